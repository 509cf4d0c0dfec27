// Many concurrent commits and voids of the same holds, queued and direct, from one or two servers:
// never more settled than held, never a negative field, the books always balance.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { startKassa, type TestKassa } from '../support/kassa.js';
import { applyDueBatch } from '../../src/engine/workers/applier.js';
import { prevalidate } from '../../src/engine/features/inflight.js';
import { TEST_DATABASE_URL, createTestDatabase, type TestDatabase } from '../support/database.js';
import type { HttpClient } from '../support/http.js';

const HOLD = 10_000;
const HOLDS = 4;
const ACTIONS_PER_HOLD = 16;
const POLL_MS = 100;
const POLL_LIMIT_MS = 20_000;

interface Hold {
  id: string;
  source: string;
  destination: string;
}

async function createHolds(http: HttpClient, count: number): Promise<Hold[]> {
  const ledger_id = (await http.post('/ledgers', { name: 'concurrency' })).body.ledger_id;
  const holds: Hold[] = [];
  for (let i = 0; i < count; i += 1) {
    const source = (await http.post('/balances', { ledger_id, currency: 'USD' })).body.balance_id;
    const destination = (await http.post('/balances', { ledger_id, currency: 'USD' })).body.balance_id;
    const base = { currency: 'USD', description: 'concurrency', skip_queue: true };
    const funded = await http.post('/transactions', {
      ...base,
      reference: `fund-${randomUUID()}`,
      precise_amount: HOLD,
      source: '@World',
      destination: source,
      allow_overdraft: true,
    });
    assert.equal(funded.status, 201, funded.text);
    const hold = await http.post('/transactions', {
      ...base,
      reference: `hold-${randomUUID()}`,
      precise_amount: HOLD,
      source,
      destination,
      inflight: true,
    });
    assert.equal(hold.status, 201, hold.text);
    holds.push({ id: hold.body.transaction_id, source, destination });
  }
  return holds;
}

/** Commits of 700 (some queued), a void now and then, against every hold at once. */
async function storm(clients: HttpClient[], holds: Hold[]): Promise<void> {
  const requests = holds.flatMap((hold, h) =>
    Array.from({ length: ACTIONS_PER_HOLD }, (_, i) => {
      const client = clients[(h + i) % clients.length];
      const body =
        i % 9 === 8
          ? { status: 'void', skip_queue: i % 2 === 0 }
          : { status: 'commit', precise_amount: 700, skip_queue: i % 3 !== 0 };
      return client.put(`/transactions/inflight/${hold.id}`, body);
    }),
  );
  for (const answer of await Promise.all(requests)) {
    // 423: the lock wait ran out under contention, a legitimate refusal.
    assert.ok([200, 400, 409, 423].includes(answer.status), `${answer.status} ${answer.text}`);
  }
}

/** Waits until no queued action is left, then checks every hold and the books. */
async function settledAndBalanced(kassa: TestKassa, holds: Hold[]): Promise<void> {
  for (let waited = 0; ; waited += POLL_MS) {
    const [{ n }] = await kassa.server.db.query<{ n: string }>('SELECT count(*) AS n FROM inflight_actions');
    if (n === '0') break;
    assert.ok(waited < POLL_LIMIT_MS, `${n} inflight actions still queued`);
    await sleep(POLL_MS);
  }
  for (const hold of holds) {
    const children = await kassa.server.db.query<{ status: string; total: string; n: string }>(
      `SELECT status, SUM(precise_amount) AS total, count(*) AS n FROM transactions WHERE parent_transaction = $1 GROUP BY status`,
      [hold.id],
    );
    const sum = (status: string) => Number(children.find((c) => c.status === status)?.total ?? 0);
    const committed = sum('APPLIED');
    const voided = sum('VOID');
    assert.ok(committed + voided <= HOLD, `settled ${committed} + ${voided} of ${HOLD}`);
    assert.ok(Number(children.find((c) => c.status === 'VOID')?.n ?? 0) <= 1, 'at most one void');
    const source = (await kassa.http.get(`/balances/${hold.source}`)).body;
    const destination = (await kassa.http.get(`/balances/${hold.destination}`)).body;
    assert.equal(source.debit_balance, committed);
    assert.equal(source.inflight_debit_balance, HOLD - committed - voided);
    assert.equal(destination.credit_balance, committed);
    assert.equal(destination.inflight_credit_balance, HOLD - committed - voided);
  }
  const [books] = await kassa.server.db.query<{ balance: string; inflight: string; negative: string }>(
    `SELECT SUM(balance) AS balance, SUM(inflight_balance) AS inflight,
       count(*) FILTER (WHERE credit_balance < 0 OR debit_balance < 0 OR inflight_credit_balance < 0 OR inflight_debit_balance < 0) AS negative
     FROM balances`,
  );
  assert.deepEqual(books, { balance: '0', inflight: '0', negative: '0' });
}

describe('concurrent commits and voids', () => {
  let kassa: TestKassa;
  before(async () => {
    kassa = await startKassa();
  });
  after(() => kassa.close());

  test('queued and direct actions on the same holds never settle more than held', async () => {
    const holds = await createHolds(kassa.http, HOLDS);
    await storm([kassa.http], holds);
    await settledAndBalanced(kassa, holds);
  });
});

describe('two servers on one PostgreSQL', { skip: !TEST_DATABASE_URL && 'PostgreSQL only' }, () => {
  let database: TestDatabase;
  let first: TestKassa;
  let second: TestKassa;
  before(async () => {
    database = await createTestDatabase();
    first = await startKassa({ database });
    second = await startKassa({ database });
  });
  after(async () => {
    await first?.close();
    await second?.close();
    await database?.drop();
  });

  test('actions sent to both servers never settle more than held', async () => {
    const holds = await createHolds(first.http, HOLDS);
    await storm([first.http, second.http], holds);
    await settledAndBalanced(first, holds);
  });
});

describe('a commit racing the worker that applies its queued create', () => {
  let kassa: TestKassa;
  before(async () => {
    kassa = await startKassa({ env: { KASSA_WORKER_ENABLED: 'false' } });
  });
  after(() => kassa.close());

  test('is accepted when the create is applied between the checks of the commit', async () => {
    const created = await kassa.http.post('/transactions', {
      reference: `race-${randomUUID()}`,
      currency: 'USD',
      description: 'race',
      precise_amount: HOLD,
      source: '@World',
      destination: `@race-${randomUUID()}`,
      allow_overdraft: true,
      inflight: true,
    });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.status, 'QUEUED');
    const db = kassa.server.db;
    let applied = false;
    // The worker's batch lands right after the commit's first read, the interleaving under load.
    const racing = {
      ...db,
      async query<Row>(sql: string, params?: readonly unknown[]): Promise<Row[]> {
        const rows = await db.query<Row>(sql, params);
        if (!applied) {
          applied = true;
          assert.equal((await applyDueBatch(db, 100)).processed, 1);
        }
        return rows;
      },
    };
    const target = await prevalidate(racing, created.body.transaction_id, 'commit', null);
    assert.equal(target.transaction_id, created.body.transaction_id);
    assert.ok(applied);
  });
});
