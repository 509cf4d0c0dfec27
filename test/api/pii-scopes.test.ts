// Scopes of the identity, account and backup routes through API keys (blnk-contract.md auth §3.4, the route table):
// GET detokenize needs only identities:read, the POST needs identities:write; /mocked-account is
// accounts:read; /backup and /backup-s3 are backup:read.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startKassa, type TestKassa } from '../support/kassa.js';
import { assertAuthError, createKey, SECURE_ENV } from '../support/keys.js';

describe('scopes of identities, accounts and backups', () => {
  let kassa: TestKassa;
  let master: TestKassa['http'];
  before(async () => {
    kassa = await startKassa({ env: { ...SECURE_ENV, BLNK_TOKENIZATION_SECRET: 'tokenization-secret-of-32-bytes!' } });
    master = kassa.http.with({ 'X-Blnk-Key': SECURE_ENV.BLNK_SERVER_SECRET_KEY });
  });
  after(() => kassa.close());

  test('each route answers to its scope and refuses the others', async () => {
    const id = (await master.post('/identities', { first_name: 'Ada' })).body.identity_id;
    const reader = await createKey(master, { owner: 'o', scopes: ['identities:read', 'accounts:read'] });
    const writer = await createKey(master, { owner: 'o', scopes: ['identities:write'] });
    const other = await createKey(master, { owner: 'o', scopes: ['ledgers:read'] });

    assertAuthError(await reader.http.post(`/identities/${id}/tokenize/firstName`), 403, 'AUTH_INSUFFICIENT_PERMISSIONS');
    assert.equal((await writer.http.post(`/identities/${id}/tokenize/firstName`)).status, 200);
    assert.equal((await reader.http.get(`/identities/${id}/detokenize/firstName`)).body.value, 'Ada');
    assertAuthError(await reader.http.post(`/identities/${id}/detokenize`, { fields: [] }), 403, 'AUTH_INSUFFICIENT_PERMISSIONS');
    assert.equal((await writer.http.post(`/identities/${id}/detokenize`, { fields: [] })).status, 200);
    assertAuthError(await other.http.get(`/identities/${id}/tokenized-fields`), 403, 'AUTH_INSUFFICIENT_PERMISSIONS');

    assert.equal((await reader.http.get('/mocked-account')).status, 200);
    assert.equal((await reader.http.get('/accounts')).status, 200);
    assertAuthError(await reader.http.post('/accounts', {}), 403, 'AUTH_INSUFFICIENT_PERMISSIONS');
    assertAuthError(await other.http.get('/mocked-account'), 403, 'AUTH_INSUFFICIENT_PERMISSIONS');
    for (const path of ['/backup', '/backup-s3']) {
      assertAuthError(await reader.http.get(path), 403, 'AUTH_INSUFFICIENT_PERMISSIONS');
    }
    const backup = await createKey(master, { owner: 'o', scopes: ['backup:read'] });
    assert.equal((await backup.http.get('/backup')).status, 200);
  });
});
