// /metrics bearer-token rules (blnk-auth.md §9.6) and failed-authentication counting and logging.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { spawnKassa, startKassa, type KassaProcess } from '../support/kassa.js';
import { MASTER_KEY, SECURE_ENV, assertAuthError } from '../support/keys.js';

const TOKEN = 'metrics-token-0123456789';

describe('/metrics with a bearer token, in a separate process', () => {
  let database: TestDatabase;
  let kassa: KassaProcess;
  before(async () => {
    database = await createTestDatabase();
    kassa = await spawnKassa(database, {
      env: { ...SECURE_ENV, BLNK_ENABLE_OBSERVABILITY: 'true', BLNK_METRICS_BEARER_TOKEN: TOKEN },
    });
  });
  after(async () => {
    await kassa.stop();
    await database.drop();
  });

  test('41: only "Bearer <exact token>" opens /metrics', async () => {
    const get = (headers: Record<string, string>, path = '/metrics') => kassa.http.get(path, headers);
    const required = await get({});
    assertAuthError(required, 401, 'AUTH_METRICS_TOKEN_REQUIRED');
    assert.equal(required.body.error, 'Authorization required for metrics endpoint');
    for (const header of [`bearer ${TOKEN}`, `BEARER ${TOKEN}`, `Basic ${TOKEN}`, 'Bearer']) {
      const res = await get({ Authorization: header });
      assertAuthError(res, 401, 'AUTH_METRICS_TOKEN_REQUIRED');
      assert.equal(res.body.error, 'Authorization header must use Bearer scheme');
    }
    for (const header of [`Bearer  ${TOKEN}`, `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(1)}`, 'Bearer x']) {
      const res = await get({ Authorization: header });
      assertAuthError(res, 401, 'AUTH_INVALID_BEARER_TOKEN');
      assert.equal(res.body.error, 'Invalid bearer token');
    }
    assert.equal((await get({}, `/metrics?access_token=${TOKEN}`)).status, 401);
    assert.equal((await get({ 'X-Blnk-Key': MASTER_KEY })).status, 401);
    const ok = await get({ Authorization: `Bearer ${TOKEN}` });
    assert.equal(ok.status, 200);
    assert.match(ok.text, /# TYPE kassa_http_requests_total counter/);
  });

  test('a failed authentication is counted and logged without the key', async () => {
    const secretish = 'this-is-a-wrong-key-do-not-log-me';
    assertAuthError(
      await kassa.http.get('/ledgers?token=query-secret', { 'X-Blnk-Key': secretish }),
      401,
      'AUTH_INVALID_API_KEY',
    );
    assertAuthError(await kassa.http.get('/ledgers'), 401, 'AUTH_MISSING_API_KEY');
    const metrics = await kassa.http.get('/metrics', { Authorization: `Bearer ${TOKEN}` });
    assert.match(metrics.text, /^kassa_auth_failures_total\{code="AUTH_INVALID_API_KEY"\} 1$/m);
    assert.match(metrics.text, /^kassa_auth_failures_total\{code="AUTH_MISSING_API_KEY"\} 1$/m);
    assert.match(metrics.text, /^kassa_http_requests_total\{method="GET",status="401"\} \d+$/m);
    // The log line reaches us through a pipe, maybe after the answer: wait for it, bounded.
    const logged = /"code":"AUTH_INVALID_API_KEY".*"msg":"authentication failed"/;
    for (let waited_ms = 0; !logged.test(kassa.output()) && waited_ms < 15_000; waited_ms += 100) await sleep(100);
    const output = kassa.output();
    assert.match(output, logged);
    for (const secret of [secretish, MASTER_KEY, TOKEN, 'query-secret']) assert.ok(!output.includes(secret), secret);
  });
});

describe('/metrics without a token', () => {
  test('40: secure mode on and no token: 403 AUTH_METRICS_DISABLED, bearer or not', async () => {
    const kassa = await startKassa({ env: { ...SECURE_ENV, BLNK_ENABLE_OBSERVABILITY: 'true' } });
    try {
      const variants: Record<string, string>[] = [{}, { Authorization: 'Bearer x' }, { 'X-Blnk-Key': MASTER_KEY }];
      for (const headers of variants) {
        assertAuthError(await kassa.http.get('/metrics', headers), 403, 'AUTH_METRICS_DISABLED');
      }
    } finally {
      await kassa.close();
    }
  });

  test('observability off: /metrics does not exist (404), even for the master key', async () => {
    const kassa = await startKassa({ env: SECURE_ENV });
    try {
      assert.equal((await kassa.http.get('/metrics')).status, 404);
      assert.equal((await kassa.http.get('/metrics', { 'X-Blnk-Key': MASTER_KEY })).status, 404);
    } finally {
      await kassa.close();
    }
  });
});
