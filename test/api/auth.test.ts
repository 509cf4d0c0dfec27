// Secure mode, black box (blnk-contract.md auth §10 with Kassa's deviations from spec/README.md).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startKassa, type TestKassa } from '../support/kassa.js';
import type { HttpClient } from '../support/http.js';
import { TEST_DATABASE_URL } from '../support/database.js';
import { ApiKeyStore } from '../../src/auth/api-keys.js';
import { createLogger } from '../../src/log.js';
import { MASTER_KEY, SECURE_ENV, assertAuthError, assertPassesAuth, createKey, type CreatedKey } from '../support/keys.js';

describe('secure mode', () => {
  let kassa: TestKassa;
  let master: HttpClient;
  let K_ro: CreatedKey;
  let K_admin: CreatedKey;
  let K_b: CreatedKey;
  before(async () => {
    kassa = await startKassa({ env: SECURE_ENV });
    master = kassa.http.with({ 'X-Blnk-Key': MASTER_KEY });
    K_ro = await createKey(master, { owner: 'team-a', scopes: ['ledgers:read'] });
    K_admin = await createKey(master, {
      owner: 'team-a',
      scopes: ['api-keys:read', 'api-keys:write', 'api-keys:delete', 'ledgers:*'],
    });
    K_b = await createKey(master, { owner: 'team-b', scopes: ['*:*'] });
  });
  after(() => kassa.close());

  test('1, 5: no X-Blnk-Key (Authorization is not read) is 401 AUTH_MISSING_API_KEY', async () => {
    assertAuthError(await kassa.http.get('/ledgers'), 401, 'AUTH_MISSING_API_KEY');
    assertAuthError(await kassa.http.get('/ledgers', { 'X-Blnk-Key': '' }), 401, 'AUTH_MISSING_API_KEY');
    const bearer = await kassa.http.get('/ledgers', { Authorization: `Bearer ${MASTER_KEY}` });
    assertAuthError(bearer, 401, 'AUTH_MISSING_API_KEY');
    assert.equal(bearer.body.error, 'Authentication required. Use X-Blnk-Key header');
  });

  test('2, 3: the master key opens everything, whatever the header name case', async () => {
    assert.equal((await master.get('/ledgers')).status, 200);
    assert.equal((await kassa.http.get('/ledgers', { 'x-blnk-key': MASTER_KEY })).status, 200);
    assert.equal((await kassa.http.get('/ledgers', { 'X-BLNK-KEY': MASTER_KEY })).status, 200);
  });

  test('4, 6: a near miss of the master key or an unknown key is 401 AUTH_INVALID_API_KEY', async () => {
    const nearMiss = MASTER_KEY.slice(0, -1) + (MASTER_KEY.endsWith('f') ? 'e' : 'f');
    assertAuthError(await kassa.http.get('/ledgers', { 'X-Blnk-Key': nearMiss }), 401, 'AUTH_INVALID_API_KEY');
    const unknown = await kassa.http.get('/ledgers', { 'X-Blnk-Key': 'YVLIhuIplUzLRCcT9r7DQ_jsGKCXAn39JQ3n_o-Ll2Q=' });
    assertAuthError(unknown, 401, 'AUTH_INVALID_API_KEY');
    assert.equal(unknown.body.error, 'Invalid API key');
    const samePrefix = K_ro.key.slice(0, 16) + 'A'.repeat(27) + '=';
    assertAuthError(await kassa.http.get('/ledgers', { 'X-Blnk-Key': samePrefix }), 401, 'AUTH_INVALID_API_KEY');
  });

  test('7: / and /health need no key', async () => {
    const root = await kassa.http.get('/');
    assert.equal(root.status, 200);
    assert.equal(root.body, 'server running...');
    assert.ok([200, 503].includes((await kassa.http.get('/health')).status));
    assert.ok([200, 503].includes((await kassa.http.get('/health?x=1')).status));
    assertAuthError(await kassa.http.get('/health/'), 401, 'AUTH_MISSING_API_KEY');
  });

  test('11, 12: a read scope reads and does not write; other resources are refused by name', async () => {
    assert.equal((await K_ro.http.get('/ledgers')).status, 200);
    const write = await K_ro.http.post('/ledgers', { name: 'L' });
    assertAuthError(write, 403, 'AUTH_INSUFFICIENT_PERMISSIONS');
    assert.match(write.body.error, /ledgers:write/);
    assert.equal(write.body.error, 'Insufficient permissions for ledgers:write');
    const balances = await K_ro.http.get('/balances');
    assertAuthError(balances, 403, 'AUTH_INSUFFICIENT_PERMISSIONS');
    assert.match(balances.body.error, /balances:read/);
  });

  test('13: filter routes are POST and need write', async () => {
    assertAuthError(await K_ro.http.post('/ledgers/filter', {}), 403, 'AUTH_INSUFFICIENT_PERMISSIONS');
    // With write, the filter works although the body gained meta_data.BLNK_GENERATED_BY.
    const filtered = await K_admin.http.post('/ledgers/filter', {
      filters: [{ field: 'name', operator: 'eq', value: 'General Ledger' }],
    });
    assert.equal(filtered.status, 200, filtered.text);
  });

  test('14, 15, 18: wildcards and special segments', async () => {
    const reader = await createKey(master, { owner: 'team-c', scopes: ['*:read'] });
    assertPassesAuth(await reader.http.get('/transactions'), 'GET /transactions with *:read');
    assertAuthError(await reader.http.delete('/identities/x'), 403, 'AUTH_INSUFFICIENT_PERMISSIONS');
    const ledgers = await createKey(master, { owner: 'team-c', scopes: ['ledgers:*'] });
    assertPassesAuth(await ledgers.http.put('/ledgers/ldg_x', { name: 'n' }), 'PUT /ledgers/:id with ledgers:*');
    assertAuthError(await ledgers.http.get('/accounts'), 403, 'AUTH_INSUFFICIENT_PERMISSIONS');
    const txn = await createKey(master, { owner: 'team-c', scopes: ['transactions:write'] });
    assertPassesAuth(await txn.http.post('/refund-transaction/txn_x', {}), 'refund with transactions:write');
    const accounts = await createKey(master, { owner: 'team-c', scopes: ['accounts:read'] });
    assertPassesAuth(await accounts.http.get('/mocked-account'), 'mocked-account with accounts:read');
    const search = await createKey(master, { owner: 'team-c', scopes: ['search:write'] });
    assertPassesAuth(await search.http.post('/multi-search', {}), 'multi-search with search:write');
  });

  test('16 (Kassa deviation): snapshots, backup and entity metadata have scopes', async () => {
    assertPassesAuth(await K_b.http.post('/balances-snapshots', {}), 'POST /balances-snapshots with *:*');
    assertPassesAuth(await K_b.http.get('/backup-s3'), 'GET /backup-s3 with *:*');
    assertPassesAuth(await K_b.http.post('/txn_x/metadata', { meta_data: {} }), 'metadata with *:*');
    assertPassesAuth(await master.post('/balances-snapshots', {}), 'snapshots with master');
    assertPassesAuth(await master.get('/backup-s3'), 'backup-s3 with master');
    const snap = await K_ro.http.post('/balances-snapshots', {});
    assertAuthError(snap, 403, 'AUTH_INSUFFICIENT_PERMISSIONS');
    assert.match(snap.body.error, /balances:write/);
    const backup = await createKey(master, { owner: 'team-c', scopes: ['backup:read'] });
    assertPassesAuth(await backup.http.get('/backup'), 'GET /backup with backup:read');
    assertPassesAuth(await backup.http.get('/backup-s3'), 'GET /backup-s3 with backup:read');
    const meta = await backup.http.post('/ldg_x/metadata', { meta_data: {} });
    assertAuthError(meta, 403, 'AUTH_INSUFFICIENT_PERMISSIONS');
    assert.match(meta.body.error, /metadata:write/);
    const metaWriter = await createKey(master, { owner: 'team-c', scopes: ['metadata:write'] });
    assertPassesAuth(await metaWriter.http.post('/ldg_x/metadata', { meta_data: {} }), 'metadata with metadata:write');
  });

  test('17: unknown routes are judged before routing', async () => {
    assertAuthError(await kassa.http.get('/no-such-thing'), 401, 'AUTH_MISSING_API_KEY');
    assertAuthError(await kassa.http.get('/no-such-thing', { 'X-Blnk-Key': 'garbage' }), 401, 'AUTH_INVALID_API_KEY');
    assertAuthError(await K_b.http.get('/no-such-thing'), 403, 'AUTH_UNKNOWN_RESOURCE');
    assert.equal((await K_b.http.get('/no-such-thing')).body.error, 'Unknown resource type');
    assert.equal((await master.get('/no-such-thing')).status, 404);
    assert.equal((await K_b.http.get('/ledgers/x/y/z')).status, 404, 'a mapped resource with no route is 404 after auth');
  });

  test('19: a key past its expires_at is 401 AUTH_EXPIRED_API_KEY', async () => {
    // A key cannot be created expired (our deviation): this one expires a moment after creation.
    const expired = await createKey(master, {
      owner: 'team-a',
      scopes: ['*:*'],
      expires_at: new Date(Date.now() + 1_500).toISOString(),
    });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const res = await expired.http.get('/ledgers');
    assertAuthError(res, 401, 'AUTH_EXPIRED_API_KEY');
    assert.equal(res.body.error, 'API key is expired or revoked');
    // Expiry is checked before the resource: an unknown route says expired too.
    assertAuthError(await expired.http.get('/no-such-thing'), 401, 'AUTH_EXPIRED_API_KEY');
  });

  test('20: a revoked key is refused from the next request on, and listed as revoked', async () => {
    const victim = await createKey(master, { owner: 'team-r', scopes: ['ledgers:read'] });
    assert.equal((await victim.http.get('/ledgers')).status, 200);
    const revoke = await master.delete(`/api-keys/${victim.api_key_id}?owner=team-r`);
    assert.equal(revoke.status, 204);
    assert.equal(revoke.text, '');
    assertAuthError(await victim.http.get('/ledgers'), 401, 'AUTH_EXPIRED_API_KEY');
    const listed = (await master.get('/api-keys?owner=team-r')).body.find(
      (k: { api_key_id: string }) => k.api_key_id === victim.api_key_id,
    );
    assert.equal(listed.is_revoked, true);
    assert.ok(!Number.isNaN(Date.parse(listed.revoked_at)));
    assert.equal((await master.delete(`/api-keys/${victim.api_key_id}?owner=team-r`)).status, 204, 'again');
  });

  test('a key revoked through another instance is refused here within one second', async () => {
    // A second key store on the same database stands for another running instance.
    const elsewhere = new ApiKeyStore(kassa.server.db, createLogger('silent'));
    try {
      const key = await createKey(master, { owner: 'team-e', scopes: ['ledgers:read'] });
      assert.equal((await elsewhere.verify(key.key)).status, 'valid');
      assert.equal((await master.delete(`/api-keys/${key.api_key_id}?owner=team-e`)).status, 204);
      await sleep(1000);
      assert.equal((await elsewhere.verify(key.key)).status, 'expired');
    } finally {
      await elsewhere.close();
    }
  });

  test('34, 35: hooks are master-only, after the scope gate', async () => {
    const requests: [string, string, unknown?][] = [
      ['POST', '/hooks', { name: 'evil', url: 'http://127.0.0.1:9/x', type: 'PRE_TRANSACTION' }],
      ['GET', '/hooks'],
      ['GET', '/hooks/h1'],
      ['PUT', '/hooks/h1', { name: 'evil', url: 'http://127.0.0.1:9/x' }],
      ['DELETE', '/hooks/h1'],
    ];
    for (const [method, path, body] of requests) {
      const res = await K_b.http.request(method, path, body);
      assertAuthError(res, 403, 'AUTH_MASTER_KEY_REQUIRED');
      assert.equal(res.body.error, 'hook management requires master key');
    }
    const hooksOnly = await createKey(master, { owner: 'team-h', scopes: ['hooks:*'] });
    assertAuthError(await hooksOnly.http.get('/hooks'), 403, 'AUTH_MASTER_KEY_REQUIRED');
    const scopeFirst = await K_ro.http.post('/hooks', { name: 'x', url: 'http://127.0.0.1:9/x', type: 'PRE_TRANSACTION' });
    assertAuthError(scopeFirst, 403, 'AUTH_INSUFFICIENT_PERMISSIONS');
    assert.match(scopeFirst.body.error, /hooks:write/);
    const list = await master.get('/hooks');
    assertPassesAuth(list, 'GET /hooks with master');
    if (list.status === 200) assert.ok(!JSON.stringify(list.body).includes('evil'), 'no hook was created');
  });

  test('36: the master key manages hooks', async () => {
    const created = await master.post('/hooks', { name: 'h', url: 'http://127.0.0.1:9/hook', type: 'PRE_TRANSACTION' });
    assertPassesAuth(created, 'POST /hooks with master');
    assertPassesAuth(await master.get('/hooks/hook_unknown'), 'GET /hooks/:id with master');
  });

  test('38: POSTs by an API key carry meta_data.BLNK_GENERATED_BY, other values untouched', async () => {
    const writer = await createKey(master, { owner: 'team-w', scopes: ['ledgers:write', 'ledgers:read'] });
    const big = 123456789012345678901234567890n;
    // Our deviation: a client cannot set the server's key (Blnk overwrites it), not even the master.
    const spoof = await writer.http.post('/ledgers', { name: 'L', meta_data: { BLNK_GENERATED_BY: 'spoof' } });
    assert.equal(spoof.status, 400, spoof.text);
    assert.equal(spoof.body.error_detail.details.field, 'meta_data.BLNK_GENERATED_BY');
    const spoofed = await writer.http.post('/ledgers', {
      name: 'L',
      meta_data: { n: big, nested: { x: [1, 2.5, 'a'] } },
    });
    assert.equal(spoofed.status, 201, spoofed.text);
    const read = await master.get(`/ledgers/${spoofed.body.ledger_id}`);
    assert.equal(read.body.meta_data.BLNK_GENERATED_BY, writer.api_key_id);
    assert.equal(read.body.meta_data.n, big);
    assert.match(read.text, /"n":123456789012345678901234567890/);
    assert.deepEqual(read.body.meta_data.nested, { x: [1, 2.5, 'a'] });
    assert.equal(read.body.name, 'L');

    for (const meta_data of [undefined, null, 'text', [1, 2]]) {
      const res = await writer.http.post('/ledgers', { name: 'M', meta_data });
      assert.equal(res.status, 201, res.text);
      assert.deepEqual(res.body.meta_data, { BLNK_GENERATED_BY: writer.api_key_id }, JSON.stringify(meta_data));
    }

    const byMaster = await master.post('/ledgers', { name: 'L', meta_data: { BLNK_GENERATED_BY: 'spoof' } });
    assert.equal(byMaster.status, 400, byMaster.text);
  });

  test('39: a used key shows last_used_at after created_at', async () => {
    const used = await createKey(master, { owner: 'team-u', scopes: ['ledgers:read'] });
    assert.equal((await used.http.get('/ledgers')).status, 200);
    const deadline = Date.now() + 15_000;
    let listed: { last_used_at: string; created_at: string } | undefined;
    while (Date.now() < deadline) {
      listed = (await master.get('/api-keys?owner=team-u')).body[0];
      if (Date.parse(listed!.last_used_at) > Date.parse(listed!.created_at)) break;
      await sleep(100);
    }
    assert.ok(Date.parse(listed!.last_used_at) > Date.parse(listed!.created_at), JSON.stringify(listed));
  });

  test('42, 43: auth errors carry the security headers and only error + error_detail', async () => {
    for (const res of [await kassa.http.get('/ledgers'), await K_ro.http.post('/ledgers', { name: 'x' })]) {
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(res.headers.get('x-frame-options'), 'DENY');
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.equal(res.headers.get('strict-transport-security'), null);
      assert.match(res.headers.get('content-type') ?? '', /application\/json/);
      assert.deepEqual(Object.keys(res.body).sort(), ['error', 'error_detail']);
    }
  });

  test('45: OPTIONS has no action: 401 without a key, 403 "ledgers:" for a key, 404 for master; no CORS', async () => {
    const anonymous = await kassa.http.request('OPTIONS', '/ledgers');
    assertAuthError(anonymous, 401, 'AUTH_MISSING_API_KEY');
    assert.equal(anonymous.headers.get('access-control-allow-origin'), null);
    const scoped = await K_b.http.request('OPTIONS', '/ledgers');
    assertAuthError(scoped, 403, 'AUTH_INSUFFICIENT_PERMISSIONS');
    assert.equal(scoped.body.error, 'Insufficient permissions for ledgers:');
    assert.equal((await master.request('OPTIONS', '/ledgers')).status, 404);
  });

  test('46: an oversized body with the master key is refused and creates nothing', async () => {
    const before = (await master.get('/ledgers?limit=100')).body.length;
    const res = await master.post('/ledgers', { name: 'huge', meta_data: { blob: 'x'.repeat(6 * 1024 * 1024) } });
    assert.ok([400, 413].includes(res.status), String(res.status));
    assert.equal((await master.get('/ledgers?limit=100')).body.length, before);
  });
});

describe(
  'revocation reaches every instance within one second',
  { skip: !TEST_DATABASE_URL && 'needs PostgreSQL: two servers on one database' },
  () => {
    test('a key revoked through one instance is refused by another one second later', async () => {
      const one = await startKassa({ env: SECURE_ENV });
      const two = await startKassa({ env: SECURE_ENV, database: one.database });
      try {
        const master = one.http.with({ 'X-Blnk-Key': MASTER_KEY });
        const key = await createKey(master, { owner: 'o', scopes: ['ledgers:read'] });
        const onTwo = two.http.with({ 'X-Blnk-Key': key.key });
        assert.equal((await onTwo.get('/ledgers')).status, 200, 'cached as valid on instance two');
        assert.equal((await master.delete(`/api-keys/${key.api_key_id}?owner=o`)).status, 204);
        await sleep(1000);
        assertAuthError(await onTwo.get('/ledgers'), 401, 'AUTH_EXPIRED_API_KEY');
      } finally {
        await two.stop();
        await one.close();
      }
    });
  },
);
