// Delivery across crashes and processes: a kill -9 while a delivery is in flight loses nothing, and
// two processes sharing one PostgreSQL deliver each event once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase } from '../../src/db/open.js';
import { spawnKassa } from '../support/kassa.js';
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase } from '../support/database.js';
import { eventually, Receiver, settle } from '../support/receiver.js';
import { verifyKassaSignature } from '../../src/events/signature.js';

const SECRET = 'processes-test-secret-0123456789abcdef';

describe('webhook delivery across processes', () => {
  const receiver = new Receiver();
  let database: TestDatabase;
  before(async () => {
    await receiver.start();
    database = await createTestDatabase();
  });
  after(async () => {
    await receiver.stop();
    await database.drop();
  });

  // A short attempt timeout keeps the crash test's lease short; the two-process test keeps the
  // default so that a slow answer on a loaded machine is not retried (a legitimate duplicate).
  const env = (timeout_ms = 1000) => ({
    BLNK_WEBHOOK_URL: receiver.url,
    BLNK_SERVER_SECRET_KEY: SECRET,
    KASSA_WEBHOOK_TIMEOUT_MS: String(timeout_ms),
    KASSA_EVENTS_RETRY_BASE_MS: '50',
  });

  test('kill -9 while the event is being delivered, then restart: the event is delivered', async () => {
    receiver.respond = (request) => (request.body?.data?.name === 'crash' ? { status: 200, hang: true } : { status: 200 });
    const first = await spawnKassa(database, { env: env() });
    let ledger_id: string;
    try {
      const created = await first.http.post('/ledgers', { name: 'crash' });
      assert.equal(created.status, 201);
      ledger_id = created.body.ledger_id;
      await eventually(() => receiver.where((b) => b.data?.ledger_id === ledger_id).length > 0, 15_000, 'the first attempt');
    } finally {
      await first.kill();
    }
    receiver.respond = () => ({ status: 200 });
    const second = await spawnKassa(database, { env: env() });
    try {
      const attempts = () => receiver.where((b) => b.data?.ledger_id === ledger_id);
      await eventually(() => attempts().some((r) => r.answered === 200), 30_000, 'delivery after the restart');
      assert.equal(new Set(attempts().map((r) => r.headers['x-blnk-delivery-id'])).size, 1, 'the same delivery id');
    } finally {
      await second.stop();
    }
  });

  test('SIGTERM during a delivery lets it finish and records it as delivered', async () => {
    receiver.respond = (request) =>
      request.body?.data?.name === 'graceful' ? { status: 200, delay_ms: 1_500 } : { status: 200 };
    const first = await spawnKassa(database, { env: env(30_000) });
    const created = await first.http.post('/ledgers', { name: 'graceful' });
    assert.equal(created.status, 201);
    const attempts = () => receiver.where((b) => b.data?.ledger_id === created.body.ledger_id);
    await eventually(() => attempts().length > 0, 15_000, 'the attempt');
    assert.equal(await first.stop(), 0, 'a clean exit');
    assert.equal(attempts()[0].answered, 200);
    // The outcome was recorded before the process closed its database (otherwise the row would
    // still be pending under its lease, to be sent again).
    const db = await openDatabase({ url: database.url, data_dir: database.env.KASSA_DATA_DIR ?? '', max_connections: 1 });
    try {
      const rows = await db.query<{ status: string; attempts: number }>(
        `SELECT status, attempts FROM outbox_events WHERE payload->>'ledger_id' = $1`,
        [created.body.ledger_id],
      );
      assert.deepEqual(rows, [{ status: 'delivered', attempts: 1 }]);
    } finally {
      await db.close();
    }
  });

  test(
    'two processes on one PostgreSQL deliver each event once',
    { skip: !TEST_DATABASE_URL && 'PGlite is single-process' },
    async () => {
      receiver.respond = () => ({ status: 200 });
      const processes = [await spawnKassa(database, { env: env(30_000) }), await spawnKassa(database, { env: env(30_000) })];
      try {
        const ids: string[] = [];
        await Promise.all(
          Array.from({ length: 30 }, async (_, i) => {
            const res = await processes[i % 2].http.post('/ledgers', { name: `shared-${i}` });
            assert.equal(res.status, 201);
            ids.push(res.body.ledger_id);
          }),
        );
        const deliveries = (id: string) => receiver.where((b) => b.event === 'ledger.created' && b.data?.ledger_id === id);
        await eventually(() => ids.every((id) => deliveries(id).length > 0), 15_000, 'every event');
        await settle(1_000);
        for (const id of ids) assert.equal(deliveries(id).length, 1, `event for ${id} delivered once`);
      } finally {
        await Promise.all(processes.map((p) => p.stop()));
      }
    },
  );
});

describe(
  'events do not depend on which process took the request (PostgreSQL)',
  { skip: !TEST_DATABASE_URL && 'PGlite is single-process' },
  () => {
    const receiver = new Receiver();
    let database: TestDatabase;
    before(async () => {
      await receiver.start();
      database = await createTestDatabase();
    });
    after(async () => {
      await receiver.stop();
      await database.drop();
    });

    test('10: an API-only process without a webhook URL: its events are delivered by the worker, every attempt signed with its key', async () => {
      const worker = await spawnKassa(database, {
        env: { BLNK_WEBHOOK_URL: receiver.url, BLNK_SERVER_SECRET_KEY: SECRET, KASSA_EVENTS_RETRY_BASE_MS: '50' },
      });
      const api = await spawnKassa(database, {
        env: { KASSA_WORKER_ENABLED: 'false', BLNK_SERVER_SECRET_KEY: 'another-secret-0123456789abcdef012345' },
      });
      try {
        // Hooks: the first attempt fails, the retry succeeds; both come from the worker, signed with SECRET.
        const isHook = (r: { path: string }) => r.path.endsWith('-pre');
        receiver.respond = (request, received) =>
          isHook(request) && received.filter(isHook).length === 1 ? { status: 500 } : { status: 200 };
        const hook = await api.http.post('/hooks', {
          name: 'pre',
          url: `${receiver.url}-pre`,
          type: 'PRE_TRANSACTION',
          active: true,
          retry_count: 2,
        });
        assert.equal(hook.status, 201, hook.text);
        const ledger = await api.http.post('/ledgers', { name: 'from the api process' });
        assert.equal(ledger.status, 201, ledger.text);
        const moved = await api.http.post('/transactions', {
          reference: `api-${ledger.body.ledger_id}`,
          currency: 'USD',
          description: 'd',
          precise_amount: 5,
          source: '@World',
          destination: '@api-only',
          allow_overdraft: true,
        });
        assert.equal(moved.status, 201, moved.text);
        await eventually(
          () => receiver.where((b) => b.event === 'ledger.created' && b.data?.ledger_id === ledger.body.ledger_id).length === 1,
          20_000,
          'the ledger event',
        );
        await eventually(
          () =>
            receiver.where((b) => b.event === 'transaction.applied' && b.data?.reference === `${moved.body.reference}_q`)
              .length === 1,
          20_000,
          'the applied event',
        );
        await eventually(
          () => receiver.requests.filter((r) => isHook(r) && r.answered === 200).length === 1,
          20_000,
          'the hook retry',
        );
        const signed = receiver.requests.filter((r) => isHook(r) || r.body?.data?.ledger_id === ledger.body.ledger_id);
        assert.equal(signed.length, 3, JSON.stringify(receiver.requests.map((r) => [r.path, r.answered, r.body?.event])));
        for (const request of signed) {
          const ok = verifyKassaSignature({
            secret: SECRET,
            timestamp: request.headers['x-blnk-timestamp'] as string,
            signature: request.headers['x-blnk-signature'] as string,
            rawBody: request.rawBody,
            tolerance_s: 300,
          });
          assert.ok(ok, `signed with the worker's key: ${request.path}`);
        }
      } finally {
        await Promise.all([worker.stop(), api.stop()]);
      }
    });
  },
);

describe('a process without a webhook URL', () => {
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabase();
  });
  after(() => database?.drop());

  test('records no webhook events (Blnk sends none), while hook deliveries are still recorded', async () => {
    const kassa = await spawnKassa(database);
    const hook = await kassa.http.post('/hooks', {
      name: 'post',
      url: 'http://127.0.0.1:9/hook',
      type: 'POST_TRANSACTION',
      active: true,
    });
    assert.equal(hook.status, 201, hook.text);
    assert.equal((await kassa.http.post('/ledgers', { name: 'no webhook' })).status, 201);
    const moved = await kassa.http.post('/transactions', {
      reference: 'no-webhook-1',
      currency: 'USD',
      description: 'no webhook',
      precise_amount: 100,
      source: '@World',
      destination: '@no-webhook',
      allow_overdraft: true,
      skip_queue: true,
    });
    assert.equal(moved.status, 201, moved.text);
    assert.equal(await kassa.stop(), 0);
    const db = await openDatabase({ url: database.url, data_dir: database.env.KASSA_DATA_DIR ?? '', max_connections: 1 });
    try {
      assert.deepEqual(await db.query('SELECT event FROM outbox_events'), []);
      const deliveries = await db.query<{ transaction_id: string }>('SELECT transaction_id FROM hook_deliveries');
      assert.deepEqual(deliveries, [{ transaction_id: moved.body.transaction_id }]);
    } finally {
      await db.close();
    }
  });
});
