// Secure mode off (Kassa deviation: open means master authority), and rate limiting.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startKassa, type TestKassa } from '../support/kassa.js';
import { FUTURE, assertAuthError, assertPassesAuth } from '../support/keys.js';

describe('secure mode off', () => {
  let kassa: TestKassa;
  before(async () => {
    kassa = await startKassa({ env: { BLNK_ENABLE_OBSERVABILITY: 'true' } });
  });
  after(() => kassa.close());

  test('8: requests pass with no key or any key', async () => {
    assert.equal((await kassa.http.get('/ledgers')).status, 200);
    assert.equal((await kassa.http.get('/ledgers', { 'X-Blnk-Key': 'garbage' })).status, 200);
  });

  test('37 (Kassa deviation): hooks and API keys are managed with master authority', async () => {
    const hook = await kassa.http.post('/hooks', { name: 'h', url: 'http://127.0.0.1:9/h', type: 'PRE_TRANSACTION' });
    assertPassesAuth(hook, 'POST /hooks in open mode');
    assertPassesAuth(await kassa.http.get('/hooks', { 'X-Blnk-Key': 'garbage' }), 'GET /hooks in open mode');
    assert.deepEqual((await kassa.http.get('/api-keys?owner=x')).body, []);
    assertAuthError(await kassa.http.get('/api-keys'), 400, 'APIKEY_OWNER_REQUIRED');
    const created = await kassa.http.post('/api-keys', { name: 'n', owner: 'x', scopes: ['*:*'], expires_at: FUTURE });
    assert.equal(created.status, 201, created.text);
    assert.equal((await kassa.http.get('/api-keys?owner=x')).body[0].api_key_id, created.body.api_key_id);
    assert.equal((await kassa.http.delete(`/api-keys/${created.body.api_key_id}?owner=x`)).status, 204);
  });

  test('no BLNK_GENERATED_BY in open mode, even when a real key is sent', async () => {
    const created = await kassa.http.post('/api-keys', { name: 'n', owner: 'y', scopes: ['*:*'], expires_at: FUTURE });
    const res = await kassa.http.post('/ledgers', { name: 'L', meta_data: { note: 'n' } }, { 'X-Blnk-Key': created.body.key });
    assert.equal(res.status, 201);
    assert.deepEqual(res.body.meta_data, { note: 'n' });
    const plain = await kassa.http.post('/ledgers', { name: 'L' }, { 'X-Blnk-Key': created.body.key });
    assert.equal(plain.body.meta_data, null);
  });

  test('/metrics is open without a token when secure mode is off', async () => {
    await kassa.http.get('/ledgers');
    const res = await kassa.http.get('/metrics');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    assert.match(res.text, /^kassa_http_requests_total\{method="GET",status="200"\} \d+$/m);
  });
});

describe('rate limiting', () => {
  let kassa: TestKassa;
  before(async () => {
    kassa = await startKassa({ env: { BLNK_RATE_LIMIT_RPS: '1', BLNK_RATE_LIMIT_BURST: '1' } });
  });
  after(() => kassa.close());

  test('44: beyond the burst, 429 GEN_RATE_LIMITED with security headers', async () => {
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => kassa.http.get('/ledgers')));
    const limited = results.filter((res) => res.status === 429);
    assert.ok(limited.length >= 1, results.map((r) => r.status).join(','));
    assertAuthError(limited[0], 429, 'GEN_RATE_LIMITED');
    assert.equal(limited[0].body.error, 'You have reached maximum request limit.');
    assert.equal(limited[0].headers.get('x-content-type-options'), 'nosniff');
  });

  test('9: in open mode nothing authenticates: a key sent changes nothing, the address is limited', async () => {
    const key = (n: string) => ({ 'X-Blnk-Key': n.repeat(43) + '=' });
    const answers = await Promise.all(['a', 'b', 'c', 'd'].map((n) => kassa.http.get('/ledgers', key(n))));
    const limited = answers.find((res) => res.status === 429);
    assert.ok(limited, answers.map((r) => r.status).join(','));
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    assert.equal(limited.headers.get('ratelimit-remaining'), '0');
  });
});
