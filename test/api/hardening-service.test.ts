// Hardening, the service stays up and answers in Blnk's envelope (issue 11, items 7, 9, 11, 12, 14):
// an outage is 503, rate limits follow the authenticated key, hostile text and numbers are 4xx, and
// Fastify's and Node's own answers are in the envelope; API key lifetimes and scopes are checked.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { startKassa, type TestKassa } from '../support/kassa.js';
import { createTestDatabase, TEST_DATABASE_URL } from '../support/database.js';
import { HttpClient } from '../support/http.js';
import { createKey, MASTER_KEY, SECURE_ENV } from '../support/keys.js';
import { eventually } from '../support/invariants.js';
import { TcpProxy } from '../support/tcp-proxy.js';

function assertEnvelope(res: { status: number; body: any; text: string }, status: number, code: string): void {
  assert.equal(res.status, status, res.text);
  assert.equal(res.body.error_detail?.code, code, res.text);
  assert.doesNotMatch(res.text, /FST_|statusCode|stack|at \w+ \(/);
}

/** A raw request, for what fetch will not send (huge headers, bad %-encoding, NUL in a path). */
function raw(
  url: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string; body: any }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${path}`, { headers, insecureHTTPParser: true }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => {
        let body: any;
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
        }
        resolve({ status: res.statusCode ?? 0, text, body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('hardening: bad input is a clear 4xx', () => {
  let kassa: TestKassa;
  let ledger_id: string;
  let source: string;
  let destination: string;
  const transfer = (body: Record<string, unknown>) =>
    kassa.http.post('/transactions', {
      currency: 'USD',
      reference: `ref-${randomUUID()}`,
      description: 'hostile',
      source,
      destination,
      precise_amount: 1,
      allow_overdraft: true,
      ...body,
    });

  before(async () => {
    kassa = await startKassa({ env: { BLNK_SERVER_MAX_REQUEST_BODY_SIZE_MB: '1' } });
    ledger_id = (await kassa.http.post('/ledgers', { name: 'hostile' })).body.ledger_id;
    source = (await kassa.http.post('/balances', { ledger_id, currency: 'USD' })).body.balance_id;
    destination = (await kassa.http.post('/balances', { ledger_id, currency: 'USD' })).body.balance_id;
  });
  after(() => kassa.close());

  test('11: NUL and lone surrogates in any text are 400 naming the field; nothing is stored', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ reference: 'a\u0000b' }, 'reference'],
      [{ description: 'a\u0000b' }, 'description'],
      [{ currency: 'US\u0000D' }, 'currency'],
      [{ destination: '@ind\u0000' }, 'destination'],
      [{ meta_data: { 'k\u0000': 1 } }, 'meta_data.k\u0000'],
      [{ meta_data: { k: 'v\u0000' } }, 'meta_data.k'],
      [{ meta_data: { k: 'x\ud800' } }, 'meta_data.k'],
      [{ reference: 'r\udc00' }, 'reference'],
    ];
    for (const [body, field] of cases) {
      const res = await transfer({ ...body, skip_queue: true });
      assertEnvelope(res, 400, 'GEN_BAD_REQUEST');
      assert.equal(res.body.error_detail.details.field, field, res.text);
    }
    assertEnvelope(await kassa.http.post('/ledgers', { name: 'l\u0000' }), 400, 'GEN_BAD_REQUEST');
    assert.equal((await kassa.http.get('/transactions')).body.length, 0);
  });

  test('11: deep nesting, overflowing numbers and over-long numbers are 400 before any work', async () => {
    const deep = '{"meta_data":' + '{"a":'.repeat(6000) + '1' + '}'.repeat(6000) + '}';
    assertEnvelope(await kassa.http.post('/ledgers', deep), 400, 'GEN_BAD_REQUEST');
    assertEnvelope(await kassa.http.post('/ledgers', '{"name":"n","meta_data":{"n":1e400}}'), 400, 'GEN_BAD_REQUEST');
    const digits = '{"precise_amount":' + '9'.repeat(100_000) + '}';
    assertEnvelope(await kassa.http.post('/transactions', digits), 400, 'GEN_BAD_REQUEST');
    // A body ending inside a string's escape once sent the scan round in circles for ever.
    for (const text of ['{"a":"\\', '"\\', '{"name":"x\\']) {
      assertEnvelope(await kassa.http.post('/ledgers', text), 400, 'GEN_MALFORMED_REQUEST');
    }
  });

  test('a float-typed precise_amount past 2^53 is refused, not rounded; a repeated key keeps its last value', async () => {
    const body = (amount: string) =>
      `{"precise_amount": ${amount}, "currency": "USD", "reference": "f-${randomUUID()}", "description": "d", "source": "${source}", "destination": "${destination}", "allow_overdraft": true, "skip_queue": true}`;
    for (const amount of ['12345678901234567.0', '1.2345678901234567e16']) {
      assertEnvelope(await kassa.http.post('/transactions', body(amount)), 400, 'GEN_MALFORMED_REQUEST');
    }
    const exact = await kassa.http.post('/transactions', body('12345678901234567'));
    assert.equal(exact.status, 201, exact.text);
    assert.equal(exact.body.precise_amount, 12345678901234567n);
    const repeated = await kassa.http.post(
      '/ledgers',
      '{"name": "first", "name": "last", "meta_data": {"n": 123456789012345678901234567890}}',
    );
    assert.equal(repeated.status, 201, repeated.text);
    assert.equal(repeated.body.name, 'last');
  });

  test('11: hostile filters are 4xx: NUL, a trailing backslash in LIKE, 1e999999, a huge offset', async () => {
    const filter = (body: unknown) => kassa.http.post('/transactions/filter', body);
    const bad = [
      { filters: [{ field: 'reference', operator: 'eq', value: 'a\u0000' }] },
      { filters: [{ field: 'reference', operator: 'like', value: 'abc\\' }] },
      { filters: [{ field: 'meta_data.note', operator: 'ilike', value: '%\\' }] },
      { filters: [{ field: 'amount', operator: 'gt', value: '1e999999' }] },
      { filters: [{ field: 'meta_data.n', operator: 'gt', value: '1e-999999' }] },
      { filters: [], offset: 1e300 },
    ];
    for (const body of bad) {
      const res = await filter(body);
      assert.ok(res.status >= 400 && res.status < 500, `${JSON.stringify(body)}: ${res.status} ${res.text}`);
      assert.ok(res.body.error_detail?.code, res.text);
    }
    for (const query of ['reference_eq=a%00', 'reference_like=abc%5C', 'amount_gt=1e999999', 'offset=99999999999999999999999']) {
      const res = await kassa.http.get(`/transactions?${query}`);
      assert.ok(res.status < 500, `${query}: ${res.status} ${res.text}`);
    }
    assert.equal((await filter({ filters: [{ field: 'reference', operator: 'like', value: 'abc\\\\' }] })).status, 200);
  });

  test('12: Fastify and Node answers are in the envelope: bad %-encoding, long ids, huge headers, NUL in a path', async () => {
    assertEnvelope(await raw(kassa.url, '/transactions/%E0%A4%A'), 400, 'GEN_BAD_REQUEST');
    assertEnvelope(await raw(kassa.url, `/transactions/${'a'.repeat(1200)}`), 414, 'GEN_URI_TOO_LONG');
    assertEnvelope(await raw(kassa.url, '/ledgers', { 'x-big': 'a'.repeat(20_000) }), 431, 'GEN_HEADERS_TOO_LARGE');
    assertEnvelope(await raw(kassa.url, '/transactions/abc%00def'), 400, 'GEN_BAD_REQUEST');
    assertEnvelope(await raw(kassa.url, '/balances/%ED%A0%80'), 400, 'GEN_BAD_REQUEST');
  });

  test('12: a body over the cap is always answered 413 in the envelope, never a reset connection', async () => {
    const body = JSON.stringify({ name: 'x'.repeat(3 * 1024 * 1024) });
    for (let i = 0; i < 10; i++) {
      assertEnvelope(await kassa.http.post('/ledgers', body), 413, 'GEN_PAYLOAD_TOO_LARGE');
    }
  });

  test('13: a wrong JSON type names the field and keeps the code', async () => {
    const res = await transfer({ amount: '10', precise_amount: undefined });
    assertEnvelope(res, 400, 'GEN_MALFORMED_REQUEST');
    assert.equal(res.body.error, 'Invalid input');
    assert.equal(res.body.error_detail.message, 'Invalid input: amount must be a number');
    assert.equal(res.body.error_detail.details.field, 'amount');
  });
});

describe('hardening: rate limits (secure mode)', () => {
  let kassa: TestKassa;
  let master: HttpClient;
  before(async () => {
    kassa = await startKassa({ env: { ...SECURE_ENV, BLNK_RATE_LIMIT_RPS: '0.5', BLNK_RATE_LIMIT_BURST: '3' } });
    master = kassa.http.with({ 'X-Blnk-Key': MASTER_KEY });
  });
  after(() => kassa.close());

  test('9: fresh random keys are limited by address; each real key has its own bucket; 429 says when to retry', async () => {
    // The master key has its own bucket: three key creations fit its burst.
    const keyA = await createKey(master, { owner: 'rate', scopes: ['ledgers:read'] });
    const keyB = await createKey(master, { owner: 'rate', scopes: ['ledgers:read'] });
    assert.equal((await keyA.http.get('/ledgers')).status, 200);
    assert.equal((await keyB.http.get('/ledgers')).status, 200);
    const random = [];
    for (let i = 0; i < 10; i++) random.push(await kassa.http.get('/ledgers', { 'X-Blnk-Key': randomUUID() + randomUUID() }));
    const statuses = random.map((res) => res.status);
    assert.ok(statuses.filter((s) => s === 401).length <= 3, statuses.join(','));
    const limited = random.find((res) => res.status === 429)!;
    assertEnvelope(limited, 429, 'GEN_RATE_LIMITED');
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    assert.equal(limited.headers.get('ratelimit-limit'), '3');
    assert.equal(limited.headers.get('ratelimit-remaining'), '0');
    // The keys seen before still answer from their own buckets (two tokens left each).
    assert.equal((await keyA.http.get('/ledgers')).status, 200);
    assert.equal((await keyB.http.get('/ledgers')).status, 200);
    assert.equal((await keyA.http.get('/ledgers')).status, 200);
    assert.equal((await keyA.http.get('/ledgers')).status, 429);
  });
});

describe('hardening: API key lifetimes and scopes', () => {
  let kassa: TestKassa;
  let master: HttpClient;
  before(async () => {
    kassa = await startKassa({ env: SECURE_ENV });
    master = kassa.http.with({ 'X-Blnk-Key': MASTER_KEY });
  });
  after(() => kassa.close());

  test('14: expires_at in the past, unknown scopes and a child outliving its creator are 400', async () => {
    const valid = { name: 'k', owner: 'life', scopes: ['ledgers:read'], expires_at: '2099-01-01T00:00:00Z' };
    assertEnvelope(await master.post('/api-keys', { ...valid, expires_at: '2020-01-01T00:00:00Z' }), 400, 'APIKEY_INVALID');
    for (const scope of ['lol:read', 'ledgers', 'ledgers:fly']) {
      assertEnvelope(await master.post('/api-keys', { ...valid, scopes: [scope] }), 400, 'APIKEY_INVALID');
    }
    const in_an_hour = new Date(Date.now() + 3_600_000).toISOString();
    const parent = await createKey(master, { owner: 'life', scopes: ['api-keys:write', 'ledgers:read'], expires_at: in_an_hour });
    const outliving = await parent.http.post('/api-keys', { ...valid, expires_at: '2099-01-01T00:00:00Z' });
    assertEnvelope(outliving, 400, 'APIKEY_INVALID');
    const within = await parent.http.post('/api-keys', { ...valid, expires_at: in_an_hour });
    assert.equal(within.status, 201, within.text);
  });
});

describe(
  'hardening: a database outage is 503, never a 401 or a 500 (PostgreSQL)',
  { skip: !TEST_DATABASE_URL && 'needs PostgreSQL' },
  () => {
    test('7: while the database is unreachable every request that needs it is 503 with Retry-After; then it recovers', async () => {
      const database = await createTestDatabase();
      const target = new URL(database.url!);
      const proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
      await proxy.start();
      const proxied = new URL(database.url!);
      proxied.hostname = '127.0.0.1';
      proxied.port = String(proxy.port);
      const kassa = await startKassa({ database, env: { ...SECURE_ENV, BLNK_DATA_SOURCE_DNS: proxied.toString() } });
      try {
        const master = kassa.http.with({ 'X-Blnk-Key': MASTER_KEY });
        const key = await createKey(master, { owner: 'outage', scopes: ['ledgers:read'] });
        await proxy.cut();
        for (const res of [
          await key.http.get('/ledgers'),
          await master.get('/ledgers'),
          await master.post('/ledgers', { name: 'x' }),
        ]) {
          assertEnvelope(res, 503, 'GEN_SERVICE_UNAVAILABLE');
          assert.equal(res.headers.get('retry-after'), '1');
        }
        assert.equal((await kassa.http.get('/health')).status, 503);
        await proxy.restore();
        await eventually(async () => ((await key.http.get('/ledgers')).status === 200 ? true : undefined));
        assert.equal((await master.post('/ledgers', { name: 'after' })).status, 201);
      } finally {
        await kassa.stop();
        await proxy.stop();
        await database.drop();
      }
    });
  },
);
