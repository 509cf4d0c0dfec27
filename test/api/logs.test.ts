// Logs a person can read: JSON lines when stdout is not a terminal (as here), pino-pretty's lines on
// a terminal or with KASSA_LOG_FORMAT=pretty; every line written for a request carries its id, which
// the answer sends back in X-Request-Id.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { spawnKassa, type KassaProcess } from '../support/kassa.js';
import { logFormat } from '../../src/log.js';

const waitFor = async (what: () => boolean) => {
  for (let i = 0; i < 100 && !what(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
};

describe('log format', () => {
  test('pretty on a terminal, JSON elsewhere, KASSA_LOG_FORMAT wins', () => {
    assert.equal(logFormat({}, true), 'pretty');
    assert.equal(logFormat({}, false), 'json');
    assert.equal(logFormat({ KASSA_LOG_FORMAT: 'json' }, true), 'json');
    assert.equal(logFormat({ KASSA_LOG_FORMAT: 'pretty' }, false), 'pretty');
  });
});

describe('logs of a running server', () => {
  let database: TestDatabase;
  let json: KassaProcess;
  before(async () => {
    database = await createTestDatabase();
    json = await spawnKassa(database);
  });
  after(async () => {
    await json?.stop();
    await database.drop();
  });

  test('JSON lines; a request line carries the request id the client sent, and the answer echoes it', async () => {
    const res = await json.http.get('/ledgers', { 'x-request-id': 'trace-7f3a' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-request-id'), 'trace-7f3a');
    await waitFor(() => json.output().includes('trace-7f3a'));
    const lines = json.output().trim().split('\n');
    assert.ok(!lines.some((line) => /^\[\d\d:\d\d/.test(line)), 'no pretty lines');
    const entries = lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
    assert.ok(entries.some((line) => line.msg === 'kassa listening'));
    const entry = entries.find((line) => line.request_id === 'trace-7f3a');
    assert.equal(entry?.msg, 'http request');
    assert.equal(entry?.path, '/ledgers');
  });

  test('an id that is not a short token is replaced by a fresh one', async () => {
    const res = await json.http.get('/ledgers', { 'x-request-id': 'a b'.repeat(100) });
    const id = res.headers.get('x-request-id') ?? '';
    assert.match(id, /^[0-9a-f-]{36}$/);
    const again = await json.http.get('/ledgers');
    assert.notEqual(again.headers.get('x-request-id'), id);
  });
});

describe('pretty logs', () => {
  let database: TestDatabase;
  let pretty: KassaProcess;
  before(async () => {
    database = await createTestDatabase();
    pretty = await spawnKassa(database, { env: { KASSA_LOG_FORMAT: 'pretty' } });
  });
  after(async () => {
    await pretty?.stop();
    await database.drop();
  });

  test('one readable line per event, with the request id on the request line', async () => {
    await pretty.http.get('/health', { 'x-request-id': 'pretty-42' });
    await waitFor(() => pretty.output().includes('pretty-42'));
    const output = pretty.output();
    assert.match(output, /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: kassa listening$/m);
    assert.match(output, /INFO: http request\n(\s+\w+: .*\n)*\s+request_id: "pretty-42"/);
    assert.ok(!output.split('\n').some((line) => line.startsWith('{')), 'no JSON lines');
  });
});
