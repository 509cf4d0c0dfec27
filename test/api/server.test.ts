import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startKassa, type TestKassa } from '../support/kassa.js';

function assertEnvelope(body: Record<string, any>, code: string): void {
  assert.equal(body.error_detail.code, code);
  assert.equal(typeof body.error_detail.message, 'string');
  assert.ok(body.error_detail.message.length > 0);
  assert.ok(body.error !== undefined || body.errors !== undefined);
}

describe('server behaviour', () => {
  let kassa: TestKassa;
  before(async () => {
    kassa = await startKassa({ env: { BLNK_SERVER_MAX_REQUEST_BODY_SIZE_MB: '1' } });
  });
  after(() => kassa.close());

  test('GET / answers the JSON string Blnk answers', async () => {
    const res = await kassa.http.get('/');
    assert.equal(res.status, 200);
    assert.equal(res.body, 'server running...');
  });

  test('malformed JSON is 400 GEN_MALFORMED_REQUEST in the envelope', async () => {
    const res = await kassa.http.post('/ledgers', '{"name": "x",');
    assert.equal(res.status, 400);
    assertEnvelope(res.body, 'GEN_MALFORMED_REQUEST');
    const notObject = await kassa.http.post('/balances', '[1,2]');
    assert.equal(notObject.status, 400);
    assertEnvelope(notObject.body, 'GEN_MALFORMED_REQUEST');
  });

  test('an unknown route is 404 in the envelope', async () => {
    const res = await kassa.http.get('/no-such-thing');
    assert.equal(res.status, 404);
    assertEnvelope(res.body, 'GEN_NOT_FOUND');
    const wrongMethod = await kassa.http.delete('/ledgers');
    assert.equal(wrongMethod.status, 404);
  });

  test('an oversized body is 413 GEN_PAYLOAD_TOO_LARGE and creates nothing', async () => {
    const name = `big-${Date.now()}`;
    const res = await kassa.http.post('/ledgers', { name, meta_data: { pad: 'x'.repeat(1024 * 1024 + 10) } });
    assert.equal(res.status, 413);
    assertEnvelope(res.body, 'GEN_PAYLOAD_TOO_LARGE');
    const list = await kassa.http.get('/ledgers?limit=100');
    assert.ok(!list.body.some((ledger: { name: string }) => ledger.name === name));
  });

  test('security headers on every response; HSTS only behind HTTPS', async () => {
    for (const res of [await kassa.http.get('/ledgers'), await kassa.http.get('/nope')]) {
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(res.headers.get('x-frame-options'), 'DENY');
      assert.equal(res.headers.get('referrer-policy'), 'strict-origin-when-cross-origin');
      assert.equal(res.headers.get('content-security-policy'), "default-src 'none'; frame-ancestors 'none'");
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.equal(res.headers.get('strict-transport-security'), null);
      assert.equal(res.headers.get('access-control-allow-origin'), null);
    }
    const https = await kassa.http.get('/ledgers', { 'x-forwarded-proto': 'https' });
    assert.equal(https.headers.get('strict-transport-security'), 'max-age=31536000; includeSubDomains');
    const notQuite = await kassa.http.get('/ledgers', { 'x-forwarded-proto': 'https,' });
    assert.equal(notQuite.headers.get('strict-transport-security'), null);
  });

  test('amounts beyond 2^53 in bodies are printed back as bare numbers', async () => {
    const res = await kassa.http.post('/ledgers', '{"name":"n","meta_data":{"v":98765432109876543210987654321}}');
    assert.equal(res.status, 201);
    assert.match(res.text, /"v":98765432109876543210987654321\}/);
  });

  test('/health is UP, then 503 DOWN with a reason when the database is gone', async () => {
    const up = await kassa.http.get('/health');
    assert.equal(up.status, 200);
    assert.deepEqual(up.body, { status: 'UP' });
    // Last test of the file: closes the database under the running server.
    await kassa.server.db.close();
    const down = await kassa.http.get('/health');
    assert.equal(down.status, 503);
    assert.equal(down.body.status, 'DOWN');
    assert.equal(typeof down.body.reason, 'string');
    const failing = await kassa.http.get('/ledgers');
    assert.equal(failing.status, 500);
    assert.deepEqual(Object.keys(failing.body).sort(), ['error', 'error_detail']);
    assert.equal(failing.body.error, 'internal server error');
    assert.doesNotMatch(failing.text, /at .*\.ts|stack|PGlite|pg_/i);
  });
});
