// Noticing attacks (issue 17, item 4): failed authentications from one source address over the
// threshold within the window raise one signed security.auth_failures webhook, an audit row, a
// metric and a warning, and block that address (429) for the configured time; other addresses and
// public routes are not affected.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startKassa, type TestKassa } from '../support/kassa.js';
import { eventually, Receiver, settle, signedBy } from '../support/receiver.js';
import { MASTER_KEY, SECURE_ENV, assertAuthError } from '../support/keys.js';
import { requestFrom } from '../support/source-address.js';

const METRICS_TOKEN = 'alerts-metrics-token-77aa';
const ATTACKER = '127.0.0.2';
const BYSTANDER = '127.0.0.6';

describe('failed-authentication alerts and blocks', () => {
  const receiver = new Receiver();
  let kassa: TestKassa;
  before(async () => {
    await receiver.start();
    kassa = await startKassa({
      env: {
        ...SECURE_ENV,
        BLNK_WEBHOOK_URL: receiver.url,
        KASSA_AUTH_FAILURE_THRESHOLD: '5',
        KASSA_AUTH_FAILURE_WINDOW: '60s',
        KASSA_AUTH_FAILURE_BLOCK: '2s',
        BLNK_ENABLE_OBSERVABILITY: 'true',
        BLNK_METRICS_BEARER_TOKEN: METRICS_TOKEN,
      },
    });
  });
  after(async () => {
    await kassa.close();
    await receiver.stop();
  });

  const from = (address: string, key?: string, path = '/ledgers') =>
    requestFrom(address, kassa.url, 'GET', path, { headers: key ? { 'X-Blnk-Key': key } : {} });
  const alerts = () => receiver.where((body) => body.event === 'security.auth_failures');

  test('the threshold-th failure alerts once, signed; the address is refused with 429 until the block ends', async () => {
    for (let i = 0; i < 4; i += 1) assertAuthError(await from(ATTACKER, `guess-${i}`), 401, 'AUTH_INVALID_API_KEY');
    await settle(500);
    assert.equal(alerts().length, 0, 'under the threshold: no alert');
    assertAuthError(await from(ATTACKER), 401, 'AUTH_MISSING_API_KEY');

    const [alert] = await eventually(() => alerts().length > 0 && alerts());
    assert.equal(alert.body.data.source_address, ATTACKER);
    assert.equal(alert.body.data.failures, 5);
    assert.equal(alert.body.data.window_seconds, 60);
    assert.ok(Date.parse(alert.body.data.blocked_until) > Date.now() - 1000);
    assert.ok(signedBy(MASTER_KEY, alert), 'signed like every webhook');

    const blocked = await from(ATTACKER, MASTER_KEY);
    assertAuthError(blocked, 429, 'GEN_RATE_LIMITED');
    assert.match(blocked.body.error, /failed authentications/);
    const retry_after_s = Number(blocked.headers.get('retry-after'));
    assert.ok(retry_after_s >= 1 && retry_after_s <= 2, String(retry_after_s));
    assert.equal((await from(ATTACKER, undefined, '/health')).status, 200, 'public routes stay open');
    assert.equal((await from(BYSTANDER, MASTER_KEY)).status, 200, 'other addresses are not blocked');

    const rows = (await kassa.http.get('/audit-events?action=security.auth_failures', { 'X-Blnk-Key': MASTER_KEY }))
      .body as any[];
    assert.equal(rows.length, 1);
    assert.equal(rows[0].source_address, ATTACKER);
    assert.equal(rows[0].outcome, 'alert');
    assert.equal(rows[0].details.failures, 5);

    const metrics = (await kassa.http.get('/metrics', { Authorization: `Bearer ${METRICS_TOKEN}` })).text;
    assert.match(metrics, /^kassa_auth_failure_alerts_total 1$/m);
    assert.match(metrics, /^kassa_auth_blocked_requests_total [1-9]\d*$/m);

    await sleep(retry_after_s * 1000 + 200);
    const unblocked = await from(ATTACKER, MASTER_KEY);
    assert.equal(unblocked.status, 200, `the block ends (retry-after was ${retry_after_s}): ${unblocked.text}`);

    // More failures within the same window: counted, but no second alert and no second block.
    for (let i = 0; i < 6; i += 1) assertAuthError(await from(ATTACKER, `again-${i}`), 401, 'AUTH_INVALID_API_KEY');
    await settle(500);
    assert.equal(alerts().length, 1);
    assert.equal((await from(ATTACKER, MASTER_KEY)).status, 200);
  });

  test('failures from several addresses are counted apart', async () => {
    for (const address of ['127.0.0.7', '127.0.0.8', '127.0.0.9']) {
      for (let i = 0; i < 3; i += 1) assertAuthError(await from(address, 'nope'), 401, 'AUTH_INVALID_API_KEY');
    }
    await settle(500);
    assert.equal(alerts().filter((alert) => alert.body.data.source_address !== ATTACKER).length, 0);
    for (const address of ['127.0.0.7', '127.0.0.8', '127.0.0.9']) assert.equal((await from(address, MASTER_KEY)).status, 200);
  });
});

describe('alerts without blocking', () => {
  test('security.auth_failure_block 0s: the alert is raised, the address is not refused', async () => {
    const kassa = await startKassa({
      env: { ...SECURE_ENV, KASSA_AUTH_FAILURE_THRESHOLD: '3', KASSA_AUTH_FAILURE_BLOCK: '0s' },
    });
    try {
      for (let i = 0; i < 3; i += 1) {
        assertAuthError(
          await requestFrom(ATTACKER, kassa.url, 'GET', '/ledgers', { headers: { 'X-Blnk-Key': 'x' } }),
          401,
          'AUTH_INVALID_API_KEY',
        );
      }
      const master = kassa.http.with({ 'X-Blnk-Key': MASTER_KEY });
      const rows = await eventually(async () => {
        const found = (await master.get('/audit-events?action=security.auth_failures')).body as any[];
        return found.length > 0 && found;
      });
      assert.equal(rows[0].details.blocked_until, null);
      const again = await requestFrom(ATTACKER, kassa.url, 'GET', '/ledgers', { headers: { 'X-Blnk-Key': MASTER_KEY } });
      assert.equal(again.status, 200);
    } finally {
      await kassa.close();
    }
  });
});
