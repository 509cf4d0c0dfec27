// CORS (`server.cors_origins`): off by default; when configured, preflights are answered without a
// key and every answer to an allowed origin carries the headers a browser needs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startKassa, type TestKassa } from '../support/kassa.js';

const MASTER_KEY = 'cors-test-master-key-0123456789abcdef';
const ALLOWED = 'https://app.example.com';

const preflight = (origin: string, method = 'POST') => ({
  origin,
  'access-control-request-method': method,
  'access-control-request-headers': 'content-type,x-blnk-key',
});

describe('CORS, not configured', () => {
  let kassa: TestKassa;
  before(async () => {
    kassa = await startKassa();
  });
  after(() => kassa.close());

  test('answers carry no CORS headers and a preflight finds no route', async () => {
    const res = await kassa.http.get('/ledgers', { origin: ALLOWED });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), null);
    const pre = await kassa.http.request('OPTIONS', '/ledgers', undefined, preflight(ALLOWED));
    assert.equal(pre.status, 404);
    assert.equal(pre.headers.get('access-control-allow-origin'), null);
  });
});

describe('CORS, configured in secure mode', () => {
  let kassa: TestKassa;
  before(async () => {
    kassa = await startKassa({
      env: {
        BLNK_SERVER_SECURE: 'true',
        BLNK_SERVER_SECRET_KEY: MASTER_KEY,
        KASSA_CORS_ORIGINS: `${ALLOWED}, HTTP://LocalHost:3000/`,
      },
    });
  });
  after(() => kassa.close());

  test('a preflight from an allowed origin is 204 without a key, naming the key header', async () => {
    const res = await kassa.http.request('OPTIONS', '/transactions', undefined, preflight(ALLOWED));
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), ALLOWED);
    assert.match(res.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.match(res.headers.get('access-control-allow-headers') ?? '', /X-Blnk-Key/i);
    assert.equal(res.headers.get('access-control-max-age'), '600');
  });

  test('a preflight from another origin gets no allow-origin, so the browser stops there', async () => {
    const res = await kassa.http.request('OPTIONS', '/transactions', undefined, preflight('https://evil.example'));
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), null);
  });

  test('the real request still needs the key, and its answer is readable by the allowed origin', async () => {
    const refused = await kassa.http.post('/ledgers', { name: 'browser' }, { origin: ALLOWED });
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error_detail.code, 'AUTH_MISSING_API_KEY');
    assert.equal(refused.headers.get('access-control-allow-origin'), ALLOWED);
    const created = await kassa.http.post('/ledgers', { name: 'browser' }, { origin: ALLOWED, 'x-blnk-key': MASTER_KEY });
    assert.equal(created.status, 201);
    assert.equal(created.headers.get('access-control-allow-origin'), ALLOWED);
    assert.match(created.headers.get('access-control-expose-headers') ?? '', /X-Request-Id/);
  });

  test('an OPTIONS that is not a preflight is judged by auth like any request', async () => {
    const res = await kassa.http.request('OPTIONS', '/ledgers');
    assert.equal(res.status, 401);
    assert.equal(res.body.error_detail.code, 'AUTH_MISSING_API_KEY');
    // with an Origin but no Access-Control-Request-Method it is no preflight either: the envelope, not a 400
    const withOrigin = await kassa.http.request('OPTIONS', '/ledgers', undefined, { origin: ALLOWED });
    assert.equal(withOrigin.status, 401);
    assert.equal(withOrigin.body.error_detail.code, 'AUTH_MISSING_API_KEY');
  });

  test('an origin configured with capitals matches what a browser sends', async () => {
    const res = await kassa.http.request('OPTIONS', '/ledgers', undefined, preflight('http://localhost:3000', 'GET'));
    assert.equal(res.headers.get('access-control-allow-origin'), 'http://localhost:3000');
  });
});

describe('CORS configuration', () => {
  test('an origin with a path is refused at start, naming the key', async () => {
    await assert.rejects(startKassa({ env: { KASSA_CORS_ORIGINS: 'https://app.example.com/path' } }), /server\.cors_origins/);
  });
});
