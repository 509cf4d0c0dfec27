// Asynchronous bulk batches survive crashes and are processed once across processes: a batch that
// got a 202 is stored, resumed after kill -9 where it stopped, and never applied twice.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createTestDatabase, TEST_DATABASE_URL } from '../support/database.js';
import { spawnKassa, type KassaProcess } from '../support/kassa.js';
import type { HttpClient } from '../support/http.js';
import { eventually, ledgerProblems } from '../support/invariants.js';

const SETTLE_TIMEOUT_MS = 120_000;

async function balance(http: HttpClient): Promise<string> {
  const ledger_id = (await http.post('/ledgers', { name: 'bulk processes' })).body.ledger_id;
  return (await http.post('/balances', { ledger_id, currency: 'USD' })).body.balance_id;
}

function items(count: number, destination: string) {
  const source = `@BulkWorld-${randomUUID()}`;
  return Array.from({ length: count }, (_, i) => ({
    precise_amount: 1,
    currency: 'USD',
    reference: `bp-${randomUUID()}-${i}`,
    description: 'bulk',
    source,
    destination,
    allow_overdraft: true,
  }));
}

/** The destination's balance; undefined when the request did not get an answer (a loaded machine). */
async function balanceOf(http: HttpClient, id: string): Promise<number | bigint | undefined> {
  try {
    return (await http.get(`/balances/${id}`)).body.balance;
  } catch {
    return undefined;
  }
}

async function settledAt(http: HttpClient, destination: string, expected: number) {
  await eventually(async () => ((await balanceOf(http, destination)) === expected ? true : undefined), {
    timeout_ms: SETTLE_TIMEOUT_MS,
    interval_ms: 250,
  });
}

describe('asynchronous bulk across crashes and processes', () => {
  test('kill -9 while a run_async batch is half applied: after restart every item is applied exactly once', async () => {
    const database = await createTestDatabase();
    let kassa = await spawnKassa(database);
    try {
      const destination = await balance(kassa.http);
      const count = 1500;
      const res = await kassa.http.post('/transactions/bulk', {
        transactions: items(count, destination),
        skip_queue: true,
        run_async: true,
      });
      assert.equal(res.status, 202, res.text);
      // Crash once some items are applied (and, surely, before all are).
      await eventually(async () => (((await balanceOf(kassa.http, destination)) ?? 0) > 0 ? true : undefined), {
        interval_ms: 20,
      });
      await kassa.kill();
      kassa = await spawnKassa(database);
      await settledAt(kassa.http, destination, count);
      const after = (await kassa.http.get(`/balances/${destination}`)).body;
      assert.equal(after.credit_balance, count);
      assert.deepEqual(await ledgerProblems(kassa.http), []);
    } finally {
      await kassa.stop();
      await database.drop();
    }
  });

  test('a batch accepted and not started survives a kill -9 right after the 202', async () => {
    const database = await createTestDatabase();
    let kassa = await spawnKassa(database);
    try {
      const destination = await balance(kassa.http);
      const res = await kassa.http.post('/transactions/bulk', {
        transactions: items(50, destination),
        atomic: true,
        run_async: true,
      });
      assert.equal(res.status, 202, res.text);
      await kassa.kill();
      kassa = await spawnKassa(database);
      await settledAt(kassa.http, destination, 50);
      assert.deepEqual(await ledgerProblems(kassa.http), []);
    } finally {
      await kassa.stop();
      await database.drop();
    }
  });

  test(
    'two processes share the stored batches; each is applied once',
    { skip: !TEST_DATABASE_URL && 'PostgreSQL only: the embedded database is single-process' },
    async () => {
      const database = await createTestDatabase();
      const processes: KassaProcess[] = [];
      try {
        processes.push(await spawnKassa(database), await spawnKassa(database));
        const destination = await balance(processes[0].http);
        const batches = 12;
        const size = 40;
        for (let i = 0; i < batches; i++) {
          const res = await processes[i % 2].http.post('/transactions/bulk', {
            transactions: items(size, destination),
            skip_queue: i % 3 !== 0,
            atomic: i % 2 === 0,
            run_async: true,
          });
          assert.equal(res.status, 202, res.text);
        }
        await settledAt(processes[1].http, destination, batches * size);
        assert.deepEqual(await ledgerProblems(processes[0].http), []);
      } finally {
        await Promise.all(processes.map((p) => p.stop()));
        await database.drop();
      }
    },
  );
});
