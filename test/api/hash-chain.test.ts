// The tamper-evident transaction chain (Kassa's own, issue 16): with hash_chain.enabled every row
// written on any path takes the next link in its own transaction; the verifier replays the chain and
// names exactly the row that was edited, removed or relinked in SQL; the head is signed as a checkpoint.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { startKassa, type TestKassa } from '../support/kassa.js';
import { createKey, MASTER_KEY, SECURE_ENV } from '../support/keys.js';
import type { HttpClient } from '../support/http.js';

describe('hash chain', () => {
  let kassa: TestKassa;
  let http: HttpClient;
  let ledger_id: string;
  before(async () => {
    kassa = await startKassa({ env: { ...SECURE_ENV, BLNK_TRANSACTION_HASHCHAIN_ENABLED: 'true' } });
    http = kassa.http.with({ 'X-Blnk-Key': MASTER_KEY });
    ledger_id = (await http.post('/ledgers', { name: 'chain' })).body.ledger_id;
  });
  after(() => kassa.close());

  const balance = async () => (await http.post('/balances', { ledger_id, currency: 'USD' })).body.balance_id as string;
  const post = (body: Record<string, unknown>) =>
    http.post('/transactions', { currency: 'USD', description: 'chain', reference: `chain-${randomUUID()}`, ...body });
  const verify = async () => {
    const res = await http.get('/transactions/chain/verify');
    assert.equal(res.status, 200, res.text);
    return res.body;
  };
  const chained = () =>
    kassa.server.db.query<{ transaction_id: string; chain_seq: string }>(
      'SELECT transaction_id, chain_seq::text FROM transactions WHERE chain_seq IS NOT NULL ORDER BY chain_seq',
    );
  /** Runs `sql` as a tamperer would: with the immutability trigger out of the way. */
  const tamper = (sql: string, params: unknown[]) =>
    kassa.server.db.transaction(async (tx) => {
      await tx.query('ALTER TABLE transactions DISABLE TRIGGER transactions_immutable');
      await tx.query(sql, params);
      await tx.query('ALTER TABLE transactions ENABLE TRIGGER transactions_immutable');
    });

  test('every path links its rows; the chain verifies and its head is signed with the master key', async () => {
    const a = await balance();
    const b = await balance();
    assert.equal(
      (await post({ precise_amount: 1000, source: '@World', destination: a, allow_overdraft: true, skip_queue: true })).status,
      201,
    );
    const queued = await post({ precise_amount: 10, source: a, destination: b });
    assert.equal(queued.status, 201);
    const split = await post({
      precise_amount: 20,
      source: a,
      destinations: [
        { identifier: b, distribution: '50%' },
        { identifier: '@Fees', distribution: 'left' },
      ],
      skip_queue: true,
    });
    assert.equal(split.status, 201, split.text);
    const hold = await post({ precise_amount: 30, source: a, destination: b, inflight: true, skip_queue: true });
    assert.equal(
      (await http.put(`/transactions/inflight/${hold.body.transaction_id}`, { status: 'commit', skip_queue: true })).status,
      200,
    );
    const duplicate = await post({
      reference: queued.body.reference,
      precise_amount: 1,
      source: a,
      destination: b,
      skip_queue: true,
    });
    assert.equal(duplicate.status, 409, 'a refused row takes no link');
    const deadline = Date.now() + 15_000;
    while ((await http.get(`/transactions/reference/${queued.body.reference}_q`)).status !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const rows = await chained();
    const [{ count }] = await kassa.server.db.query<{ count: string }>('SELECT count(*)::text AS count FROM transactions');
    assert.equal(rows.length, Number(count), 'every row is linked');
    assert.deepEqual(
      rows.map((row) => row.chain_seq),
      rows.map((_, i) => String(i + 1)),
    );
    const report = await verify();
    assert.equal(report.enabled, true);
    assert.equal(report.valid, true, JSON.stringify(report));
    assert.equal(report.rows_checked, rows.length);
    assert.equal(report.first_broken, null);
    const { chain_seq, chain_hash, signed_at, signature } = report.checkpoint;
    assert.equal(chain_seq, String(rows.length));
    assert.match(chain_hash, /^[0-9a-f]{64}$/);
    assert.equal(signature, createHmac('sha256', MASTER_KEY).update(`${chain_seq}|${chain_hash}|${signed_at}`).digest('hex'));
  });

  test('many concurrent writers, queued and direct, with taken references among them: one unbroken chain', async () => {
    const a = await balance();
    const b = await balance();
    assert.equal(
      (await post({ precise_amount: 10_000, source: '@World', destination: a, allow_overdraft: true, skip_queue: true })).status,
      201,
    );
    const taken = `chain-taken-${randomUUID()}`;
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        post({
          reference: i % 10 === 0 ? taken : `chain-c-${randomUUID()}`,
          precise_amount: 1,
          source: a,
          destination: b,
          skip_queue: i % 2 === 0,
        }),
      ),
    );
    assert.ok(answers.every((res) => res.status === 201 || res.status === 409));
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const [{ queued }] = await kassa.server.db.query<{ queued: string }>(
        'SELECT count(*)::text AS queued FROM transaction_queue',
      );
      if (queued === '0') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const report = await verify();
    assert.equal(report.valid, true, JSON.stringify(report.first_broken));
    const [{ count }] = await kassa.server.db.query<{ count: string }>('SELECT count(*)::text AS count FROM transactions');
    assert.equal(report.rows_checked, Number(count));
  });

  test('an API key needs audit:read to verify', async () => {
    const auditor = await createKey(http, { owner: 'auditor', scopes: ['audit:read'] });
    assert.equal((await auditor.http.get('/transactions/chain/verify')).status, 200);
    const clerk = await createKey(http, { owner: 'clerk', scopes: ['transactions:read'] });
    assert.equal((await clerk.http.get('/transactions/chain/verify')).status, 403);
  });

  test('a row edited in SQL is found, exactly that row; so is a relinked one and a removed one', async () => {
    const rows = await chained();
    assert.ok(rows.length >= 6);
    const edited = rows[2];
    await tamper("UPDATE transactions SET description = 'edited' WHERE transaction_id = $1", [edited.transaction_id]);
    let report = await verify();
    assert.equal(report.valid, false);
    assert.deepEqual(report.first_broken, { chain_seq: edited.chain_seq, transaction_id: edited.transaction_id, reason: 'hash' });
    await tamper("UPDATE transactions SET description = 'chain' WHERE transaction_id = $1", [edited.transaction_id]);
    assert.equal((await verify()).valid, true, 'restored, the chain holds again');

    const relinked = rows[4];
    await tamper('UPDATE transactions SET chain_hash = $2 WHERE transaction_id = $1', [relinked.transaction_id, '0'.repeat(64)]);
    report = await verify();
    assert.deepEqual(report.first_broken, {
      chain_seq: relinked.chain_seq,
      transaction_id: relinked.transaction_id,
      reason: 'hash',
    });

    const removed = rows[1];
    await tamper('DELETE FROM transactions WHERE transaction_id = $1', [removed.transaction_id]);
    report = await verify();
    assert.deepEqual(report.first_broken, {
      chain_seq: rows[2].chain_seq,
      transaction_id: rows[2].transaction_id,
      reason: 'gap',
    });
  });
});

describe('hash chain off (the default)', () => {
  let kassa: TestKassa;
  before(async () => {
    kassa = await startKassa();
  });
  after(() => kassa.close());

  test('rows take no link and the verifier says the chain is off and empty', async () => {
    const ledger_id = (await kassa.http.post('/ledgers', { name: 'no chain' })).body.ledger_id;
    const id = (await kassa.http.post('/balances', { ledger_id, currency: 'USD' })).body.balance_id;
    const res = await kassa.http.post('/transactions', {
      precise_amount: 5,
      currency: 'USD',
      reference: `nochain-${randomUUID()}`,
      description: 'off',
      source: '@World',
      destination: id,
      allow_overdraft: true,
      skip_queue: true,
    });
    assert.equal(res.status, 201);
    const [{ count }] = await kassa.server.db.query<{ count: string }>(
      'SELECT count(*)::text AS count FROM transactions WHERE chain_seq IS NOT NULL',
    );
    assert.equal(count, '0');
    const report = (await kassa.http.get('/transactions/chain/verify')).body;
    assert.equal(report.enabled, false);
    assert.equal(report.valid, true);
    assert.equal(report.rows_checked, 0);
    assert.equal(report.checkpoint.signature, null, 'no master key to sign with');
  });
});
