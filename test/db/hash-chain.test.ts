// The hash chain's links (migration 020) as a property: whatever rows are written, and whichever
// column of whichever linked row is then changed in SQL, the verifier names exactly that row; put
// back, the chain holds again.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { Database } from '../../src/db/database.js';
import { openDatabase } from '../../src/db/open.js';
import { migrate } from '../../src/db/migrate.js';
import { verifyHashChain } from '../../src/audit/hash-chain.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const TAMPERS: Record<string, string> = {
  description: "description = description || 'x'",
  amount: 'precise_amount = precise_amount + 1',
  reference: "reference = reference || '-x'",
  currency: "currency = 'EUR'",
  status: "status = CASE WHEN status = 'APPLIED' THEN 'VOID' ELSE 'APPLIED' END",
  created_at: "created_at = created_at + interval '1 second'",
  link: "chain_hash = repeat('0', 64)",
};

describe('hash chain links', () => {
  let database: TestDatabase;
  let db: Database;
  before(async () => {
    database = await createTestDatabase();
    db = await openDatabase({
      url: database.url,
      data_dir: database.env.KASSA_DATA_DIR ?? '',
      max_connections: 2,
      hash_chain: true,
    });
    await migrate(db);
  });
  after(async () => {
    await db.close();
    await database.drop();
  });

  const settings = { enabled: true, master_key: 'k' };
  const row = fc.record({
    description: fc.string({ maxLength: 12 }).map((s) => s.replace(/\0/g, '')),
    amount: fc.bigInt({ min: 1n, max: 10n ** 30n }),
    status: fc.constantFrom('APPLIED', 'QUEUED', 'REJECTED'),
  });

  test('a change to any column of any linked row is reported at exactly that row', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { minLength: 1, maxLength: 6 }),
        fc.nat(),
        fc.constantFrom(...Object.keys(TAMPERS)),
        async (rows, pick, column) => {
          const ids: string[] = [];
          for (const r of rows) {
            const id = `txn_${randomUUID()}`;
            ids.push(id);
            await db.query(
              `INSERT INTO transactions (transaction_id, reference, amount, precise_amount, currency, description, status)
             VALUES ($1, $2, $3, $3, 'USD', $4, $5)`,
              [id, `ref-${id}`, r.amount.toString(), r.description, r.status],
            );
          }
          assert.equal((await verifyHashChain(db, settings)).valid, true);
          const target = ids[pick % ids.length];
          const [{ chain_seq }] = await db.query<{ chain_seq: string }>(
            'SELECT chain_seq::text FROM transactions WHERE transaction_id = $1',
            [target],
          );
          const before = await db.query('SELECT * FROM transactions WHERE transaction_id = $1', [target]);
          const tamper = (sql: string, params: unknown[]) =>
            db.transaction(async (tx) => {
              await tx.query('ALTER TABLE transactions DISABLE TRIGGER transactions_immutable');
              await tx.query(sql, params);
              await tx.query('ALTER TABLE transactions ENABLE TRIGGER transactions_immutable');
            });
          await tamper(`UPDATE transactions SET ${TAMPERS[column]} WHERE transaction_id = $1`, [target]);
          const report = await verifyHashChain(db, settings);
          assert.deepEqual(report.first_broken, { chain_seq, transaction_id: target, reason: 'hash' });
          const original = before[0] as Record<string, unknown>;
          await tamper(
            `UPDATE transactions SET description = $2, precise_amount = $3, reference = $4, currency = $5, status = $6,
             created_at = $7, chain_hash = $8 WHERE transaction_id = $1`,
            [
              target,
              original.description,
              original.precise_amount,
              original.reference,
              original.currency,
              original.status,
              original.created_at,
              original.chain_hash,
            ],
          );
          assert.equal((await verifyHashChain(db, settings)).valid, true);
        },
      ),
      { numRuns: 25 },
    );
  });
});
