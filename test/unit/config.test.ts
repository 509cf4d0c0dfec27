import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { formatGoDuration, parseGoDuration } from '../../src/config/duration.js';

function configFile(content: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'kassa-config-')), 'blnk.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

test('defaults: port 5001, embedded database in ./.kassa, insecure', () => {
  const config = loadConfig({ path: null, env: {} });
  assert.equal(config.server.port, 5001);
  assert.equal(config.data_source.dns, '');
  assert.equal(config.data_source.data_dir, './.kassa');
  assert.equal(config.server.secure, false);
  assert.equal(config.server.max_request_body_size_mb, 5);
  assert.ok(Object.isFrozen(config.server));
});

test('the environment wins over blnk.json', () => {
  const path = configFile({ server: { port: '6001', secret_key: 'from-file' }, data_source: { dns: 'postgres://a/b' } });
  const fromFile = loadConfig({ path, env: {} });
  assert.equal(fromFile.server.port, 6001);
  assert.equal(fromFile.data_source.dns, 'postgres://a/b');
  const overridden = loadConfig({ path, env: { BLNK_SERVER_PORT: '7001', BLNK_DATA_SOURCE_DNS: 'postgres://c/d' } });
  assert.equal(overridden.server.port, 7001);
  assert.equal(overridden.data_source.dns, 'postgres://c/d');
  assert.equal(overridden.server.secret_key, 'from-file');
});

test('--config PATH must exist; an invalid file is refused', () => {
  assert.throws(() => loadConfig({ path: '/nonexistent/blnk.json', env: {} }), ConfigError);
  assert.throws(() => loadConfig({ path: configFile('{not json'), env: {} }), /not valid JSON/);
});

test('a bad value names its key', () => {
  assert.throws(() => loadConfig({ path: null, env: { BLNK_SERVER_SECURE: 'yes' } }), /BLNK_SERVER_SECURE/);
  assert.throws(() => loadConfig({ path: null, env: { BLNK_SERVER_PORT: 'http' } }), /server\.port/);
  assert.throws(() => loadConfig({ path: configFile({ server: { secure: 'true' } }), env: {} }), /server\.secure/);
  assert.throws(() => loadConfig({ path: null, env: { BLNK_DATA_SOURCE_DNS: 'mysql://x' } }), /data_source\.dns/);
});

test("Go's boolean spellings are accepted", () => {
  for (const text of ['1', 't', 'T', 'true', 'TRUE', 'True']) {
    assert.equal(loadConfig({ path: null, env: { BLNK_ENABLE_OBSERVABILITY: text } }).enable_observability, true);
  }
  for (const text of ['0', 'f', 'F', 'false', 'FALSE', 'False']) {
    assert.equal(loadConfig({ path: null, env: { BLNK_ENABLE_OBSERVABILITY: text } }).enable_observability, false);
  }
});

test('secure mode needs a secret key', () => {
  assert.throws(() => loadConfig({ path: null, env: { BLNK_SERVER_SECURE: 'true' } }), /server\.secret_key/);
  const config = loadConfig({ path: null, env: { BLNK_SERVER_SECURE: 'true', BLNK_SERVER_SECRET_KEY: 'k'.repeat(32) } });
  assert.equal(config.server.secure, true);
});

test('keys Kassa does not use are accepted and listed as ignored, unknown keys too', () => {
  const path = configFile({ redis: { dns: 'redis:6379' }, typesense: { dns: 'http://ts' }, something_new: 1 });
  const config = loadConfig({ path, env: { BLNK_QUEUE_NUMBER_OF_QUEUES: '20' } });
  assert.deepEqual([...config.ignored_keys].sort(), ['queue.number_of_queues', 'redis.dns', 'something_new', 'typesense.dns']);
});

test('rate limit defaults follow Blnk: both unset, only rps, only burst', () => {
  assert.deepEqual(
    { ...loadConfig({ path: null, env: {} }).rate_limit },
    { requests_per_second: 5_000_000, burst: 10_000_000, cleanup_interval_sec: 10800 },
  );
  assert.equal(loadConfig({ path: null, env: { BLNK_RATE_LIMIT_RPS: '3' } }).rate_limit.burst, 6);
  assert.equal(loadConfig({ path: null, env: { BLNK_RATE_LIMIT_BURST: '10' } }).rate_limit.requests_per_second, 5);
});

test('webhook headers from the environment as Key:Value pairs', () => {
  const config = loadConfig({ path: null, env: { BLNK_WEBHOOK_HEADERS: 'X-A:1,X-B:two' } });
  assert.deepEqual({ ...config.notification.webhook.headers }, { 'X-A': '1', 'X-B': 'two' });
});

test('durations: environment Go strings, JSON nanoseconds or seconds under 1 s', () => {
  assert.equal(
    loadConfig({ path: null, env: { BLNK_TRANSACTION_LOCK_WAIT_TIMEOUT: '5s' } }).transaction.lock_wait_timeout_ms,
    5000,
  );
  assert.equal(
    loadConfig({ path: configFile({ transaction: { lock_wait_timeout: 30 } }), env: {} }).transaction.lock_wait_timeout_ms,
    30_000,
  );
  assert.equal(
    loadConfig({ path: configFile({ transaction: { lock_wait_timeout: 2_000_000_000 } }), env: {} }).transaction
      .lock_wait_timeout_ms,
    2000,
  );
});

test('Go durations parse and print like Go', () => {
  assert.equal(parseGoDuration('24h'), 86_400_000);
  assert.equal(parseGoDuration('1h30m'), 5_400_000);
  assert.equal(parseGoDuration('300ms'), 300);
  assert.equal(parseGoDuration('1.5s'), 1500);
  assert.equal(parseGoDuration('bogus'), undefined);
  assert.equal(parseGoDuration('5'), undefined);
  assert.equal(formatGoDuration(86_400_000), '24h0m0s');
  assert.equal(formatGoDuration(120_000), '2m0s');
  assert.equal(formatGoDuration(1500), '1.5s');
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 10_000_000_000 }), (ms) => {
      assert.equal(parseGoDuration(formatGoDuration(ms)), ms);
    }),
  );
});

test('notification.webhook.events takes event names, <prefix>.* and *; anything else is refused, naming the setting', () => {
  const events = (value: string) => loadConfig({ path: null, env: { KASSA_WEBHOOK_EVENTS: value } }).notification.webhook.events;
  assert.deepEqual(events(''), []);
  assert.deepEqual(events('transaction.*, ledger.created'), ['transaction.*', 'ledger.created']);
  assert.deepEqual(events('*'), ['*']);
  assert.deepEqual(events('bulk_transaction.*'), ['bulk_transaction.*']);
  for (const bad of ['transactions.applied', 'transaction', 'nothing.*', 'transaction.applied*']) {
    assert.throws(
      () => events(`transaction.*,${bad}`),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.message.includes('notification.webhook.events (KASSA_WEBHOOK_EVENTS)') &&
        error.message.includes(JSON.stringify(bad)),
    );
  }
});
