// /metrics bearer-token rules (blnk-contract.md auth §9.6) and failed-authentication counting and logging.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { spawnKassa, startKassa, type KassaProcess } from '../support/kassa.js';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { MASTER_KEY, SECURE_ENV, assertAuthError, createKey } from '../support/keys.js';

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

describe('what /metrics shows (prom-client)', () => {
  test('latency by route, auth and key use, batches, queue, outbox and process metrics; alert rules use only these', async () => {
    const kassa = await startKassa({
      env: { ...SECURE_ENV, BLNK_ENABLE_OBSERVABILITY: 'true', BLNK_METRICS_BEARER_TOKEN: TOKEN },
    });
    try {
      const master = kassa.http.with({ 'X-Blnk-Key': MASTER_KEY });
      const key = await createKey(master, { owner: 'm', scopes: ['ledgers:read'] });
      assert.equal((await key.http.get('/ledgers')).status, 200);
      assert.equal((await master.get('/no/such/route/secret-path')).status, 404);
      const ledger = (await master.post('/ledgers', { name: 'm' })).body.ledger_id;
      const balance = (await master.post('/balances', { ledger_id: ledger, currency: 'USD' })).body.balance_id;
      const queued = await master.post('/transactions', {
        amount: 1,
        precision: 1,
        currency: 'USD',
        reference: 'metrics-queued',
        description: 'queued',
        source: '@world',
        destination: balance,
        allow_overdraft: true,
      });
      assert.equal(queued.status, 201, queued.text);
      const read = async () => (await kassa.http.get('/metrics', { Authorization: `Bearer ${TOKEN}` })).text;
      let text = await read();
      for (let waited_ms = 0; !/^blnk_transaction_batch_size_count [1-9]/m.test(text) && waited_ms < 10_000; waited_ms += 200) {
        await sleep(200);
        text = await read();
      }
      assert.match(text, /^blnk_transaction_batch_size_count [1-9]\d*$/m);
      assert.match(text, /^blnk_balance_created_total 1$/m);
      assert.match(
        text,
        /^kassa_http_request_duration_seconds_bucket\{le="[^"]+",method="GET",route="\/ledgers",status="200"\} \d+$/m,
      );
      assert.match(text, /^kassa_http_request_duration_seconds_count\{method="GET",route="\(unmatched\)",status="404"\} 1$/m);
      assert.match(text, new RegExp(`^kassa_api_key_requests_total\\{api_key_id="${key.api_key_id}"\\} 1$`, 'm'));
      assert.match(text, /^kassa_master_key_uses_total\{key="current"\} [1-9]\d*$/m);
      assert.match(text, /^kassa_queue_depth \d+$/m);
      assert.match(text, /^kassa_queue_oldest_age_seconds [\d.e-]+$/m);
      assert.match(text, /^kassa_outbox_backlog\{kind="webhook"\} \d+$/m);
      assert.match(text, /^kassa_dead_deliveries\{kind="hook"\} 0$/m);
      for (const name of ['nodejs_eventloop_lag_p99_seconds', 'process_resident_memory_bytes', 'nodejs_gc_duration_seconds']) {
        assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name);
      }
      for (const secret of [MASTER_KEY, TOKEN, key.key, 'secret-path']) assert.ok(!text.includes(secret), secret);

      // Every metric the example alert rules use is one Kassa serves.
      const rules = parseYaml(readFileSync('docs/prometheus-alerts.yml', 'utf8'));
      const expressions: string[] = rules.groups.flatMap((group: any) => group.rules.map((rule: any) => rule.expr));
      assert.ok(expressions.length >= 5);
      const served = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1]));
      for (const expression of expressions) {
        const names = [...expression.matchAll(/\b((?:kassa|blnk|nodejs|process)_[a-z0-9_]+)/g)].map((match) => match[1]);
        assert.ok(names.length > 0, expression);
        for (const name of names) assert.ok(served.has(name), `${name} in "${expression}" is not served`);
      }
    } finally {
      await kassa.close();
    }
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
