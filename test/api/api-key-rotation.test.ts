// POST /api-keys/:id/rotate (issue 17, item 2): a new key with the same terms, the old one working
// for its grace period and then 401 AUTH_EXPIRED_API_KEY; the owner and scope rules of key
// management; bad input refused with a catalogued code; across two processes on one database.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { TEST_DATABASE_URL } from '../support/database.js';
import { spawnKassa, startKassa, type TestKassa } from '../support/kassa.js';
import type { HttpClient } from '../support/http.js';
import { MASTER_KEY, SECURE_ENV, assertAuthError, createKey } from '../support/keys.js';

describe('API key rotation', () => {
  let kassa: TestKassa;
  let master: HttpClient;
  before(async () => {
    kassa = await startKassa({ env: SECURE_ENV });
    master = kassa.http.with({ 'X-Blnk-Key': MASTER_KEY });
  });
  after(() => kassa.close());

  test('201: a new key with the same name, owner, scopes and expiry; the old key works through the grace period', async () => {
    const old = await createKey(master, {
      owner: 'team-r',
      scopes: ['ledgers:read', 'balances:*'],
      name: 'payments',
      expires_at: '2098-05-06T07:08:09Z',
    });
    const res = await master.post(`/api-keys/${old.api_key_id}/rotate?owner=team-r`, { grace_period: '1h' });
    assert.equal(res.status, 201, res.text);
    assert.match(res.body.api_key_id, /^api_key_[0-9a-f-]{36}$/);
    assert.notEqual(res.body.api_key_id, old.api_key_id);
    assert.match(res.body.key, /^[A-Za-z0-9_-]{43}=$/);
    assert.notEqual(res.body.key, old.key);
    assert.equal(res.body.name, 'payments');
    assert.equal(res.body.owner_id, 'team-r');
    assert.deepEqual(res.body.scopes, ['ledgers:read', 'balances:*']);
    assert.equal(Date.parse(res.body.expires_at), Date.parse('2098-05-06T07:08:09Z'));
    assert.equal(res.body.rotated_from, old.api_key_id);
    assert.equal(res.body.grace_period, '1h0m0s');
    const graceEnd = Date.parse(res.body.previous_key_expires_at);
    assert.ok(Math.abs(graceEnd - (Date.now() + 3_600_000)) < 60_000, res.body.previous_key_expires_at);

    const fresh = kassa.http.with({ 'X-Blnk-Key': res.body.key });
    assert.equal((await fresh.get('/ledgers')).status, 200);
    assert.equal((await old.http.get('/ledgers')).status, 200, 'the old key works during its grace period');

    const listed = (await master.get('/api-keys?owner=team-r')).body as any[];
    const oldRow = listed.find((row) => row.api_key_id === old.api_key_id);
    assert.equal(oldRow.replaced_by, res.body.api_key_id);
    assert.ok(oldRow.rotated_at);
    assert.equal(Date.parse(oldRow.expires_at), graceEnd);
    assert.equal(oldRow.is_revoked, false);
    assert.ok(!listed.find((row) => row.api_key_id === res.body.api_key_id).rotated_at);
  });

  test('grace_period 0s ends the old key at once: 401 AUTH_EXPIRED_API_KEY; no body means 24h', async () => {
    const old = await createKey(master, { owner: 'team-r', scopes: ['ledgers:read'] });
    assert.equal((await old.http.get('/ledgers')).status, 200, 'cached as valid');
    const res = await master.post(`/api-keys/${old.api_key_id}/rotate?owner=team-r`, { grace_period: '0s' });
    assert.equal(res.status, 201, res.text);
    assertAuthError(await old.http.get('/ledgers'), 401, 'AUTH_EXPIRED_API_KEY');
    assert.equal((await kassa.http.get('/ledgers', { 'X-Blnk-Key': res.body.key })).status, 200);

    const other = await createKey(master, { owner: 'team-r', scopes: ['ledgers:read'] });
    const noBody = await master.post(`/api-keys/${other.api_key_id}/rotate?owner=team-r`);
    assert.equal(noBody.status, 201, noBody.text);
    assert.equal(noBody.body.grace_period, '24h0m0s');
    assert.equal((await other.http.get('/ledgers')).status, 200);
  });

  test('a key rotates keys of its own owner only, never into more than it holds, and may rotate itself', async () => {
    const admin = await createKey(master, { owner: 'team-a', scopes: ['api-keys:*', 'ledgers:read'] });
    const mine = await createKey(master, { owner: 'team-a', scopes: ['ledgers:read'] });
    const broader = await createKey(master, { owner: 'team-a', scopes: ['transactions:*'] });
    const theirs = await createKey(master, { owner: 'team-b', scopes: ['ledgers:read'] });

    assertAuthError(await admin.http.post(`/api-keys/${theirs.api_key_id}/rotate`, {}), 404, 'APIKEY_NOT_FOUND');
    assertAuthError(
      await admin.http.post(`/api-keys/${theirs.api_key_id}/rotate?owner=team-b`, {}),
      403,
      'AUTH_CROSS_OWNER_ACCESS',
    );
    assertAuthError(await admin.http.post(`/api-keys/${broader.api_key_id}/rotate`, {}), 403, 'AUTH_SCOPE_ESCALATION');
    assert.equal((await theirs.http.get('/ledgers')).status, 200, 'untouched');
    assert.equal((await broader.http.get('/transactions')).status, 200, 'untouched');

    const rotated = await admin.http.post(`/api-keys/${mine.api_key_id}/rotate`, {});
    assert.equal(rotated.status, 201, rotated.text);
    assert.equal(rotated.body.owner_id, 'team-a');
    const self = await admin.http.post(`/api-keys/${admin.api_key_id}/rotate`, { grace_period: '0s' });
    assert.equal(self.status, 201, self.text);
    assertAuthError(await admin.http.get('/ledgers'), 401, 'AUTH_EXPIRED_API_KEY');
    assert.equal((await kassa.http.get('/ledgers', { 'X-Blnk-Key': self.body.key })).status, 200);

    const reader = await createKey(master, { owner: 'team-a', scopes: ['api-keys:read'] });
    assertAuthError(await reader.http.post(`/api-keys/${mine.api_key_id}/rotate`, {}), 403, 'AUTH_INSUFFICIENT_PERMISSIONS');
    assertAuthError(await master.post(`/api-keys/${mine.api_key_id}/rotate`, {}), 400, 'APIKEY_OWNER_REQUIRED');
  });

  test('bad input: a 4xx with a catalogued code, and nothing rotated', async () => {
    const key = await createKey(master, { owner: 'team-x', scopes: ['ledgers:read'] });
    const rotate = (body: unknown, id = key.api_key_id) => master.post(`/api-keys/${id}/rotate?owner=team-x`, body);
    for (const [body, message] of [
      [{ grace_period: 'soon' }, /grace_period: must be a duration/],
      [{ grace_period: 24 }, /grace_period: must be a duration/],
      [{ grace_period: '' }, /grace_period: must be a duration/],
      [{ grace_period: '-1h' }, /grace_period: must not be negative/],
      ['[1]', /Invalid request body/],
    ] as const) {
      const res = await rotate(body);
      assertAuthError(
        res,
        400,
        res.body?.error_detail?.code === 'GEN_MALFORMED_REQUEST' ? 'GEN_MALFORMED_REQUEST' : 'APIKEY_INVALID',
      );
      assert.match(res.body.error, message);
    }
    assertAuthError(await rotate({}, 'api_key_unknown'), 404, 'APIKEY_NOT_FOUND');
    const listed = (await master.get('/api-keys?owner=team-x')).body as any[];
    assert.equal(listed.length, 1, 'nothing was created');
    assert.equal(listed[0].rotated_at, undefined);

    const done = await rotate({});
    assert.equal(done.status, 201);
    const again = await rotate({});
    assertAuthError(again, 409, 'APIKEY_NOT_ROTATABLE');
    assert.match(again.body.error, /already rotated \(replaced by api_key_/);

    const revoked = await createKey(master, { owner: 'team-x', scopes: ['ledgers:read'] });
    assert.equal((await master.delete(`/api-keys/${revoked.api_key_id}?owner=team-x`)).status, 204);
    const onRevoked = await rotate({}, revoked.api_key_id);
    assertAuthError(onRevoked, 409, 'APIKEY_NOT_ROTATABLE');
    assert.match(onRevoked.body.error, /revoked/);

    const soon = new Date(Date.now() + 1500).toISOString();
    const expiring = await createKey(master, { owner: 'team-x', scopes: ['ledgers:read'], expires_at: soon });
    await sleep(2000);
    const onExpired = await rotate({}, expiring.api_key_id);
    assertAuthError(onExpired, 409, 'APIKEY_NOT_ROTATABLE');
    assert.match(onExpired.body.error, /expired/);
    assert.equal(
      ((await master.get('/api-keys?owner=team-x')).body as any[]).length,
      4,
      'only the one good rotation added a key',
    );
  });
});

describe(
  'API key rotation across two processes on one database',
  { skip: !TEST_DATABASE_URL && 'needs PostgreSQL: two server processes on one database' },
  () => {
    test('a key rotated through one process stops working on the other at the end of its grace period', async () => {
      const one = await startKassa({ env: SECURE_ENV });
      const two = await spawnKassa(one.database, { env: SECURE_ENV });
      try {
        const master = one.http.with({ 'X-Blnk-Key': MASTER_KEY });
        const key = await createKey(master, { owner: 'o', scopes: ['ledgers:read'] });
        const onTwo = two.http.with({ 'X-Blnk-Key': key.key });
        assert.equal((await onTwo.get('/ledgers')).status, 200, 'cached as valid in process two');

        const graced = await master.post(`/api-keys/${key.api_key_id}/rotate?owner=o`, { grace_period: '3s' });
        assert.equal(graced.status, 201, graced.text);
        const fresh = two.http.with({ 'X-Blnk-Key': graced.body.key });
        assert.equal((await fresh.get('/ledgers')).status, 200, 'the new key works in process two at once');
        assert.equal((await onTwo.get('/ledgers')).status, 200, 'the old key works during the grace period');
        await sleep(4000);
        assertAuthError(await onTwo.get('/ledgers'), 401, 'AUTH_EXPIRED_API_KEY');
        assert.equal((await fresh.get('/ledgers')).status, 200);

        // Rotated in process two with no grace: process one, which has the key cached, refuses it within a second.
        const third = await two.http.post(
          `/api-keys/${graced.body.api_key_id}/rotate?owner=o`,
          { grace_period: '0s' },
          {
            'X-Blnk-Key': MASTER_KEY,
          },
        );
        assert.equal(third.status, 201, third.text);
        await sleep(1000);
        assertAuthError(await one.http.get('/ledgers', { 'X-Blnk-Key': graced.body.key }), 401, 'AUTH_EXPIRED_API_KEY');
        assert.equal((await one.http.get('/ledgers', { 'X-Blnk-Key': third.body.key })).status, 200);
      } finally {
        await two.stop();
        await one.close();
      }
    });
  },
);
