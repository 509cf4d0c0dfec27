// API key management and every rule of advisory GHSA-wcr3-9x4c-f5gj (blnk-contract.md auth §4, §5, §8).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startKassa, type TestKassa } from '../support/kassa.js';
import type { HttpClient } from '../support/http.js';
import { FUTURE, MASTER_KEY, SECURE_ENV, assertAuthError, createKey, type CreatedKey } from '../support/keys.js';

interface Listed {
  api_key_id: string;
  key: string;
  owner_id: string;
  scopes: string[];
  is_revoked: boolean;
  revoked_at?: string;
  last_used_at: string;
  created_at: string;
  expires_at: string;
}

describe('API key management', () => {
  let kassa: TestKassa;
  let master: HttpClient;
  let K_ro: CreatedKey;
  let K_admin: CreatedKey;
  let X: CreatedKey;
  const list = async (owner: string): Promise<Listed[]> => {
    const res = await master.get(`/api-keys?owner=${owner}`);
    assert.equal(res.status, 200, res.text);
    return res.body;
  };
  before(async () => {
    kassa = await startKassa({ env: SECURE_ENV });
    master = kassa.http.with({ 'X-Blnk-Key': MASTER_KEY });
    K_ro = await createKey(master, { owner: 'team-a', scopes: ['ledgers:read'] });
    K_admin = await createKey(master, {
      owner: 'team-a',
      scopes: ['api-keys:read', 'api-keys:write', 'api-keys:delete', 'ledgers:*'],
    });
    X = await createKey(master, { owner: 'team-b', scopes: ['ledgers:read'] });
  });
  after(() => kassa.close());

  test('9: create answers 201 with the plaintext key once and Blnk fields', async () => {
    const res = await master.post('/api-keys', {
      name: 'svc',
      owner: 'team-n',
      scopes: ['ledgers:read', 'admin:*'.replace('admin', 'api-keys')],
      expires_at: '2030-06-13T10:00:00+02:00',
      extra: 'ignored',
    });
    assert.equal(res.status, 201, res.text);
    assert.match(res.body.api_key_id, /^api_key_[0-9a-f-]{36}$/);
    assert.match(res.body.key, /^[A-Za-z0-9_-]{43}=$/);
    assert.equal(res.body.name, 'svc');
    assert.equal(res.body.owner_id, 'team-n');
    assert.deepEqual(res.body.scopes, ['ledgers:read', 'api-keys:*']);
    assert.equal(res.body.expires_at, '2030-06-13T10:00:00+02:00');
    assert.ok(!Number.isNaN(Date.parse(res.body.created_at)));
    assert.equal(res.body.last_used_at, '0001-01-01T00:00:00Z');
    assert.equal(res.body.is_revoked, false);
    assert.ok(!('revoked_at' in res.body));
    assert.deepEqual(Object.keys(res.body), [
      'api_key_id',
      'key',
      'name',
      'owner_id',
      'scopes',
      'expires_at',
      'created_at',
      'last_used_at',
      'is_revoked',
    ]);
  });

  test('10: listing shows the key, newest first, with a hint and never the plaintext or a hash', async () => {
    const older = await createKey(master, { owner: 'team-l', scopes: [] });
    const newer = await createKey(master, { owner: 'team-l', scopes: ['*:*'] });
    const keys = await list('team-l');
    assert.deepEqual(
      keys.map((k) => k.api_key_id),
      [newer.api_key_id, older.api_key_id],
    );
    for (const [listed, created] of [
      [keys[0], newer],
      [keys[1], older],
    ] as const) {
      assert.notEqual(listed.key, created.key);
      assert.equal(listed.key, created.key.slice(0, 8) + '...');
      assert.equal(listed.is_revoked, false);
      assert.ok(!('revoked_at' in listed));
      assert.equal(Date.parse(listed.expires_at), Date.parse(FUTURE));
    }
    const text = (await master.get('/api-keys?owner=team-l')).text;
    assert.ok(!text.includes(older.key.slice(0, 9)) && !text.includes(newer.key.slice(0, 9)), 'at most 8 characters');
    assert.doesNotMatch(text, /[0-9a-f]{64}|\$2a\$/, 'no hash');
    assert.deepEqual((await master.get('/api-keys?owner=nobody')).body, []);
  });

  test('21 (R6): the master key must name the owner to list and revoke', async () => {
    for (const res of [await master.get('/api-keys'), await master.get('/api-keys?owner='), await master.delete('/api-keys/x')]) {
      assertAuthError(res, 400, 'APIKEY_OWNER_REQUIRED');
      assert.equal(res.body.error, 'owner is required');
    }
  });

  test('22 (R6): create requires name, owner, scopes and an RFC 3339 expires_at', async () => {
    const valid = { name: 'n', owner: 'team-v', scopes: ['ledgers:read'], expires_at: FUTURE };
    const bad: Record<string, unknown>[] = [
      { ...valid, name: undefined },
      { ...valid, owner: undefined },
      { ...valid, scopes: undefined },
      { ...valid, expires_at: undefined },
      { ...valid, expires_at: '2027-01-01' },
      { ...valid, expires_at: '0001-01-01T00:00:00Z' },
      { ...valid, name: '' },
      { ...valid, owner: '' },
      { ...valid, scopes: null },
      { ...valid, scopes: 'ledgers:read' },
      { ...valid, scopes: [1] },
      { ...valid, name: 5 },
    ];
    for (const body of bad) {
      assertAuthError(await master.post('/api-keys', body), 400, 'GEN_MALFORMED_REQUEST');
    }
    assertAuthError(await master.post('/api-keys', '{not json'), 400, 'GEN_MALFORMED_REQUEST');
    assertAuthError(await master.post('/api-keys', [valid]), 400, 'GEN_MALFORMED_REQUEST');
    assert.deepEqual(await list('team-v'), []);
    assert.equal((await master.post('/api-keys', { ...valid, scopes: [] })).status, 201, 'empty scopes are fine');
  });

  test('23: revoking an unknown key is 404 APIKEY_NOT_FOUND', async () => {
    const res = await master.delete('/api-keys/api_key_nonexistent?owner=x');
    assertAuthError(res, 404, 'APIKEY_NOT_FOUND');
    assert.equal(res.body.error, 'API key not found');
  });

  test('24 (R1): a key creates keys for its own owner', async () => {
    const res = await K_admin.http.post('/api-keys', {
      name: 'child',
      owner: 'team-a',
      scopes: ['ledgers:read'],
      expires_at: FUTURE,
    });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.owner_id, 'team-a');
  });

  test('25 (R2): a key cannot create for another owner, and nothing is created', async () => {
    const before = (await list('team-b')).length;
    const res = await K_admin.http.post('/api-keys', { name: 'x', owner: 'team-b', scopes: [], expires_at: FUTURE });
    assertAuthError(res, 403, 'AUTH_CROSS_OWNER_ACCESS');
    assert.equal(res.body.error, 'cannot manage API keys for another owner');
    assert.equal((await list('team-b')).length, before);
  });

  test('26, 28 (R5): no scope escalation, malformed scopes count as not covered', async () => {
    const before = (await list('team-a')).length;
    for (const scopes of [['transactions:write'], ['*:*'], ['ledgers:read', 'accounts:read'], ['not-a-scope'], ['*:read']]) {
      const res = await K_admin.http.post('/api-keys', { name: 'x', owner: 'team-a', scopes, expires_at: FUTURE });
      assertAuthError(res, 403, 'AUTH_SCOPE_ESCALATION');
      assert.equal(res.body.error, 'cannot grant scopes broader than caller');
    }
    assert.equal((await list('team-a')).length, before);
    // Our deviation (issue 11, item 14): a scope no route knows is refused, even for the master key.
    const byMaster = await master.post('/api-keys', { name: 'x', owner: 'team-a', scopes: ['not-a-scope'], expires_at: FUTURE });
    assert.equal(byMaster.status, 400, byMaster.text);
    assert.equal(byMaster.body.error_detail.code, 'APIKEY_INVALID');
  });

  test('27 (R5): covered scopes may be granted; <r>:<a> does not cover <r>:*', async () => {
    for (const scopes of [['ledgers:delete'], ['ledgers:*'], [], ['api-keys:read']]) {
      const res = await K_admin.http.post('/api-keys', { name: 'x', owner: 'team-a', scopes, expires_at: FUTURE });
      assert.equal(res.status, 201, `${scopes}: ${res.text}`);
    }
    const narrow = await createKey(master, { owner: 'team-a', scopes: ['ledgers:read', 'api-keys:write'] });
    const res = await narrow.http.post('/api-keys', { name: 'x', owner: 'team-a', scopes: ['ledgers:*'], expires_at: FUTURE });
    assertAuthError(res, 403, 'AUTH_SCOPE_ESCALATION');
    const wildcard = await createKey(master, { owner: 'team-w', scopes: ['*:read', 'api-keys:write'] });
    const ok = await wildcard.http.post('/api-keys', {
      name: 'x',
      owner: 'team-w',
      scopes: ['balances:read', '*:read'],
      expires_at: FUTURE,
    });
    assert.equal(ok.status, 201, ok.text);
    // The child can do no more than its parent.
    const child = ok.body.key as string;
    const childHttp = kassa.http.with({ 'X-Blnk-Key': child });
    assert.equal((await childHttp.get('/balances')).status, 200);
    assertAuthError(await childHttp.post('/ledgers', { name: 'x' }), 403, 'AUTH_INSUFFICIENT_PERMISSIONS');
  });

  test('29: owner is checked before escalation', async () => {
    const res = await K_admin.http.post('/api-keys', { name: 'x', owner: 'team-b', scopes: ['*:*'], expires_at: FUTURE });
    assertAuthError(res, 403, 'AUTH_CROSS_OWNER_ACCESS');
  });

  test('create by a key still requires the owner field', async () => {
    const res = await K_admin.http.post('/api-keys', { name: 'x', scopes: [], expires_at: FUTURE });
    assertAuthError(res, 400, 'GEN_MALFORMED_REQUEST');
  });

  test('30 (R2, R3): a key lists only its own owner', async () => {
    const mine = await K_admin.http.get('/api-keys');
    assert.equal(mine.status, 200);
    assert.ok(mine.body.length >= 2);
    assert.ok(mine.body.every((k: Listed) => k.owner_id === 'team-a'));
    assert.ok(mine.body.some((k: Listed) => k.api_key_id === K_admin.api_key_id));
    assert.equal((await K_admin.http.get('/api-keys?owner=team-a')).status, 200);
    const other = await K_admin.http.get('/api-keys?owner=team-b');
    assertAuthError(other, 403, 'AUTH_CROSS_OWNER_ACCESS');
    assert.ok(!other.text.includes(X.api_key_id));
  });

  test("31, 32 (R4): a key cannot revoke another owner's key", async () => {
    assertAuthError(await K_admin.http.delete(`/api-keys/${X.api_key_id}`), 404, 'APIKEY_NOT_FOUND');
    assert.equal((await X.http.get('/ledgers')).status, 200);
    assertAuthError(await K_admin.http.delete(`/api-keys/${X.api_key_id}?owner=team-b`), 403, 'AUTH_CROSS_OWNER_ACCESS');
    assert.equal((await X.http.get('/ledgers')).status, 200);
    assert.equal((await list('team-b')).find((k) => k.api_key_id === X.api_key_id)!.is_revoked, false);
  });

  test('a key revokes keys of its own owner, with or without ?owner', async () => {
    const a = await createKey(master, { owner: 'team-a', scopes: ['ledgers:read'] });
    const b = await createKey(master, { owner: 'team-a', scopes: ['ledgers:read'] });
    assert.equal((await K_admin.http.delete(`/api-keys/${a.api_key_id}`)).status, 204);
    assert.equal((await K_admin.http.delete(`/api-keys/${b.api_key_id}?owner=team-a`)).status, 204);
    assertAuthError(await a.http.get('/ledgers'), 401, 'AUTH_EXPIRED_API_KEY');
    assertAuthError(await b.http.get('/ledgers'), 401, 'AUTH_EXPIRED_API_KEY');
  });

  test('33 (R8): the endpoint scope comes before any owner logic', async () => {
    const cases: [string, string, string][] = [
      ['GET', '/api-keys?owner=team-b', 'api-keys:read'],
      ['POST', '/api-keys', 'api-keys:write'],
      ['DELETE', '/api-keys/x?owner=team-b', 'api-keys:delete'],
    ];
    for (const [method, path, scope] of cases) {
      const res = await K_ro.http.request(method, path, method === 'POST' ? { owner: 'team-b' } : undefined);
      assertAuthError(res, 403, 'AUTH_INSUFFICIENT_PERMISSIONS');
      assert.equal(res.body.error, `Insufficient permissions for ${scope}`);
    }
  });

  test('R6: the master key acts for any owner with any scopes', async () => {
    const created = await createKey(master, { owner: 'anyone', scopes: ['*:*', 'hooks:read', 'backup:*'] });
    assert.deepEqual(
      (await list('anyone')).map((k) => k.api_key_id),
      [created.api_key_id],
    );
    assert.equal((await master.delete(`/api-keys/${created.api_key_id}?owner=anyone`)).status, 204);
  });
});
