// Master-key rotation without downtime (issue 17, item 1): restarted with a new key and the old one
// in server.previous_secret_keys, Kassa accepts both (each use of the old one logged, counted and
// audited) and signs webhooks and hooks with both; restarted with the new key only, the old one is
// refused and signs nothing. Processes restarted one by one keep every delivery verifiable.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase } from '../support/database.js';
import { spawnKassa, startKassa } from '../support/kassa.js';
import { eventually, Receiver, signedBy } from '../support/receiver.js';
import { assertAuthError } from '../support/keys.js';

const OLD_KEY = 'Vq3nX8rT1mZp6wLk9yBd2hFs7cJg4aNe';
const NEW_KEY = 'Hb5tR2wQ9xMz4kLp7vNc1yGd8sJf3eUa';
const METRICS_TOKEN = 'rotation-metrics-token-4f9a';
const FAST_RETRIES = { KASSA_EVENTS_RETRY_BASE_MS: '50', KASSA_EVENTS_RETRY_DELAY_MAX_MS: '200' };

function secure(secret_key: string, previous: string[] = []): Record<string, string> {
  const env: Record<string, string> = { BLNK_SERVER_SECURE: 'true', BLNK_SERVER_SECRET_KEY: secret_key, ...FAST_RETRIES };
  if (previous.length > 0) env.BLNK_SERVER_PREVIOUS_SECRET_KEYS = previous.join(',');
  return env;
}

describe('master-key rotation', () => {
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

  const ledgerDelivery = async (http: { post: (path: string, body: unknown) => Promise<any> }, name: string) => {
    const created = await http.post('/ledgers', { name });
    assert.equal(created.status, 201, created.text);
    const [request] = await eventually(() => {
      const found = receiver.where((body) => body.event === 'ledger.created' && body.data?.ledger_id === created.body.ledger_id);
      return found.length > 0 && found;
    });
    return request;
  };

  test('old key -> old and new keys -> new key only', async () => {
    const webhook = { BLNK_WEBHOOK_URL: receiver.url };

    // 1. The old key alone: one signature, no previous header.
    const first = await startKassa({ database, env: { ...secure(OLD_KEY), ...webhook } });
    const before = await ledgerDelivery(first.http.with({ 'X-Blnk-Key': OLD_KEY }), 'before');
    assert.ok(signedBy(OLD_KEY, before));
    assert.equal(before.headers['x-blnk-signature-previous'], undefined);
    const hook = await first.http.post(
      '/hooks',
      { name: 'rot', url: receiver.url, type: 'POST_TRANSACTION', active: true, timeout: 5, retry_count: 1 },
      { 'X-Blnk-Key': OLD_KEY },
    );
    assert.equal(hook.status, 201, hook.text);
    await first.stop();

    // 2. Restarted with the new key, the old one kept as previous (a separate process: its log is read).
    const second = await spawnKassa(database, {
      env: {
        ...secure(NEW_KEY, [OLD_KEY]),
        ...webhook,
        BLNK_ENABLE_OBSERVABILITY: 'true',
        BLNK_METRICS_BEARER_TOKEN: METRICS_TOKEN,
      },
    });
    try {
      const withOld = second.http.with({ 'X-Blnk-Key': OLD_KEY });
      const withNew = second.http.with({ 'X-Blnk-Key': NEW_KEY });
      assert.equal((await withOld.get('/ledgers')).status, 200, 'the previous key is still the master key');
      assert.equal((await withNew.get('/ledgers')).status, 200);
      const during = await ledgerDelivery(withNew, 'during');
      assert.ok(signedBy(NEW_KEY, during), 'X-Blnk-Signature is the new key');
      assert.ok(!signedBy(OLD_KEY, during));
      assert.ok(signedBy(OLD_KEY, during, { previous: true }), 'X-Blnk-Signature-Previous is the old key');
      assert.match(during.headers['x-blnk-signature-previous'] as string, /^[0-9a-f]{64}$/);

      // A hook delivery is signed with both too.
      const ledger = (await withNew.post('/ledgers', { name: 'hooked' })).body.ledger_id;
      const balance = (await withNew.post('/balances', { ledger_id: ledger, currency: 'USD' })).body.balance_id;
      const txn = await withNew.post('/transactions', {
        amount: 10,
        precision: 100,
        currency: 'USD',
        reference: 'rotation-hook',
        description: 'hooked transfer',
        source: '@world',
        destination: balance,
        allow_overdraft: true,
        skip_queue: true,
      });
      assert.equal(txn.status, 201, txn.text);
      const [hooked] = await eventually(() => {
        const found = receiver.requests.filter((r) => r.headers['x-hook-id'] === hook.body.id);
        return found.length > 0 && found;
      });
      assert.ok(signedBy(NEW_KEY, hooked));
      assert.ok(signedBy(OLD_KEY, hooked, { previous: true }));

      // Each use of the old key: a warning without the key, a metric, an audit row.
      const metrics = await second.http.get('/metrics', { Authorization: `Bearer ${METRICS_TOKEN}` });
      assert.match(metrics.text, /^kassa_master_key_uses_total\{key="previous"\} 1$/m);
      assert.match(metrics.text, /^kassa_master_key_uses_total\{key="current"\} \d+$/m);
      const audit = await eventually(async () => {
        const rows = (await withNew.get('/audit-events?action=master_key.previous_used')).body as any[];
        return rows.length > 0 && rows;
      });
      assert.equal(audit[0].route, 'GET /ledgers');
      assert.equal(audit[0].actor, 'master');
      assert.equal(audit[0].count, 1);
      await eventually(() => /a previous master key was used/.test(second.output()));
      for (const secret of [OLD_KEY, NEW_KEY, METRICS_TOKEN]) assert.ok(!second.output().includes(secret));
      assert.match(second.output(), /previous master keys are still accepted/);
    } finally {
      await second.stop();
    }

    // 3. The new key only: the old one is refused and signs nothing.
    const third = await startKassa({ database, env: { ...secure(NEW_KEY), ...webhook } });
    try {
      assertAuthError(await third.http.get('/ledgers', { 'X-Blnk-Key': OLD_KEY }), 401, 'AUTH_INVALID_API_KEY');
      const after = await ledgerDelivery(third.http.with({ 'X-Blnk-Key': NEW_KEY }), 'after');
      assert.ok(signedBy(NEW_KEY, after));
      assert.equal(after.headers['x-blnk-signature-previous'], undefined);
      assert.ok(!signedBy(OLD_KEY, after, { previous: true }));
    } finally {
      await third.stop();
    }
  });
});

describe(
  'master-key rotation, processes restarted one by one',
  { skip: !TEST_DATABASE_URL && 'needs PostgreSQL: two server processes on one database' },
  () => {
    test('with one process on the old key and one on the new, a receiver holding the old key verifies every delivery', async () => {
      const receiver = await new Receiver().start();
      const database = await createTestDatabase();
      const oldProcess = await spawnKassa(database, { env: { ...secure(OLD_KEY), BLNK_WEBHOOK_URL: receiver.url } });
      const newProcess = await spawnKassa(database, { env: { ...secure(NEW_KEY, [OLD_KEY]), BLNK_WEBHOOK_URL: receiver.url } });
      try {
        const names: string[] = [];
        for (let i = 0; i < 10; i += 1) {
          for (const [process, key] of [
            [oldProcess, OLD_KEY],
            [newProcess, NEW_KEY],
          ] as const) {
            const name = `mixed-${i}-${key === OLD_KEY ? 'old' : 'new'}`;
            const created = await process.http.post('/ledgers', { name }, { 'X-Blnk-Key': key });
            assert.equal(created.status, 201, created.text);
            names.push(name);
          }
        }
        const deliveries = await eventually(() => {
          const found = receiver.where((body) => body.event === 'ledger.created' && names.includes(body.data?.name));
          return new Set(found.map((r) => r.body.data.name)).size === names.length && found;
        });
        for (const delivery of deliveries) {
          assert.ok(signedBy(OLD_KEY, delivery, { previous: true }), `${delivery.body.data.name} verifies with the old key`);
        }
      } finally {
        await Promise.all([oldProcess.stop(), newProcess.stop()]);
        await receiver.stop();
        await database.drop();
      }
    });
  },
);
