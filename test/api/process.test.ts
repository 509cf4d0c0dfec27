// `kassa` as an operator runs it: start, stop, restart, migrate, refuse bad configuration.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, TEST_DATABASE_URL } from '../support/database.js';
import { runKassa, spawnKassa } from '../support/kassa.js';

describe('the kassa process', () => {
  test('data survives a graceful stop and a restart', async () => {
    const database = await createTestDatabase();
    try {
      const first = await spawnKassa(database, { env: { BLNK_REDIS_DNS: 'redis:6379' } });
      const ledger = await first.http.post('/ledgers', { name: 'survivor' });
      assert.equal(ledger.status, 201);
      const balance = await first.http.post('/balances', { ledger_id: ledger.body.ledger_id, currency: 'USD' });
      assert.equal(balance.status, 201);
      assert.equal(await first.stop(), 0);
      assert.match(first.output(), /SECURITY: authentication is disabled/);
      assert.match(first.output(), /"config_key":"redis.dns".*accepted and ignored/);
      assert.match(first.output(), /shutting down/);

      const second = await spawnKassa(database);
      const readLedger = await second.http.get(`/ledgers/${ledger.body.ledger_id}`);
      assert.equal(readLedger.status, 200);
      assert.equal(readLedger.body.name, 'survivor');
      const readBalance = await second.http.get(`/balances/${balance.body.balance_id}`);
      assert.equal(readBalance.status, 200);
      assert.equal(await second.stop(), 0);
    } finally {
      await database.drop();
    }
  });

  test('secure mode without a secret key refuses to start, naming the key', async () => {
    const database = await createTestDatabase();
    try {
      const run = await runKassa(database, 'start', { env: { BLNK_SERVER_SECURE: 'true' } });
      assert.equal(run.code, 1);
      assert.match(run.output, /server\.secret_key/);
    } finally {
      await database.drop();
    }
  });

  test('a bad configuration value stops the start with a message naming the key', async () => {
    const database = await createTestDatabase();
    try {
      const run = await runKassa(database, 'start', { env: { BLNK_SERVER_SECURE: 'maybe' } });
      assert.equal(run.code, 1);
      assert.match(run.output, /BLNK_SERVER_SECURE/);
      assert.doesNotMatch(run.output, /at .*\.ts:\d+/);
    } finally {
      await database.drop();
    }
  });

  test('kassa migrate applies migrations and exits', async () => {
    const database = await createTestDatabase();
    try {
      const run = await runKassa(database, 'migrate');
      assert.equal(run.code, 0, run.output);
      assert.match(run.output, /migrations applied/);
    } finally {
      await database.drop();
    }
  });

  test(
    'two processes starting at once on one PostgreSQL migrate it once',
    { skip: !TEST_DATABASE_URL && 'PostgreSQL only: the embedded database is single-process' },
    async () => {
      const database = await createTestDatabase();
      try {
        const [a, b] = await Promise.all([spawnKassa(database), spawnKassa(database)]);
        const created = await a.http.post('/ledgers', { name: 'shared' });
        const read = await b.http.get(`/ledgers/${created.body.ledger_id}`);
        assert.equal(read.status, 200);
        await Promise.all([a.stop(), b.stop()]);
      } finally {
        await database.drop();
      }
    },
  );

  test(
    'a second process on the same embedded data folder is refused clearly',
    { skip: !!TEST_DATABASE_URL && 'embedded only' },
    async () => {
      const database = await createTestDatabase();
      try {
        const first = await spawnKassa(database);
        const second = await runKassa(database, 'start');
        assert.equal(second.code, 1);
        assert.match(second.output, /in use by process/);
        await first.stop();
      } finally {
        await database.drop();
      }
    },
  );
});
