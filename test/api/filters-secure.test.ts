// Secure mode and the filter language. Blnk injects meta_data.BLNK_GENERATED_BY into every POST body
// sent with an API key (blnk-contract.md auth §2.5), so a scoped key's filter body gains a field the strict
// filter parser refuses. Kassa does not inject into read-like POSTs: filters work with scoped keys
// exactly as with the master key.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startKassa, type TestKassa } from '../support/kassa.js';
import type { HttpClient } from '../support/http.js';
import { MASTER_KEY, SECURE_ENV, assertAuthError, createKey, type CreatedKey } from '../support/keys.js';

describe('filters with scoped API keys', () => {
  let kassa: TestKassa;
  let master: HttpClient;
  let writer: CreatedKey;
  let reader: CreatedKey;
  // never all digits: a query-string value that reads as a number is compared as one (as Blnk does)
  const tag = `t${randomUUID().slice(0, 8)}`;
  let transaction_id: string;
  let identity_id: string;

  before(async () => {
    kassa = await startKassa({ env: SECURE_ENV });
    master = kassa.http.with({ 'X-Blnk-Key': MASTER_KEY });
    writer = await createKey(master, {
      owner: 'team-f',
      scopes: ['transactions:write', 'identities:write', 'ledgers:write', 'balances:write'],
    });
    reader = await createKey(master, { owner: 'team-f', scopes: ['transactions:read', 'identities:read'] });
    const txn = await writer.http.post('/transactions', {
      amount: 1,
      precision: 1,
      currency: 'USD',
      source: '@world',
      destination: `@secure-${tag}`,
      allow_overdraft: true,
      skip_queue: true,
      reference: `secure-${tag}`,
      description: 'secure',
      meta_data: { tag },
    });
    assert.equal(txn.status, 201, txn.text);
    transaction_id = txn.body.transaction_id;
    // What a scoped key creates still carries its id.
    assert.equal(txn.body.meta_data.BLNK_GENERATED_BY, writer.api_key_id);
    const identity = await writer.http.post('/identities', { first_name: `S-${tag}`, meta_data: { tag } });
    assert.equal(identity.status, 201, identity.text);
    identity_id = identity.body.identity_id;
  });
  after(() => kassa.close());

  test('a key with transactions:write filters transactions, also with a trailing slash', async () => {
    for (const path of ['/transactions/filter', '/transactions/filter/']) {
      const res = await writer.http.post(path, {
        filters: [
          { field: 'meta_data.tag', operator: 'eq', value: tag },
          { field: 'meta_data.BLNK_GENERATED_BY', operator: 'eq', value: writer.api_key_id },
        ],
        include_count: true,
      });
      assert.equal(res.status, 200, `${path}: ${res.text}`);
      assert.equal(res.body.total_count, 1);
      assert.equal(res.body.data[0].transaction_id, transaction_id);
    }
    // A body the key's client wrote with meta_data is still refused, as for the master key.
    const withMeta = await writer.http.post('/transactions/filter', { meta_data: {} });
    assert.equal(withMeta.status, 400);
    assert.equal(withMeta.body.error_detail.code, 'GEN_BAD_REQUEST');
  });

  test('a key with identities:write filters identities; ledgers and balances too', async () => {
    const res = await writer.http.post('/identities/filter', {
      filters: [{ field: 'meta_data.tag', operator: 'eq', value: tag }],
    });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(
      res.body.map((i: { identity_id: string }) => i.identity_id),
      [identity_id],
    );
    assert.equal((await writer.http.post('/ledgers/filter', {})).status, 200);
    const balances = await writer.http.post('/balances/filter', {
      filters: [{ field: 'indicator', operator: 'eq', value: `@secure-${tag}` }],
    });
    assert.equal(balances.status, 200, balances.text);
    assert.equal(balances.body.length, 1);
  });

  test('query-string filters need read; filter bodies need write', async () => {
    const listed = await reader.http.get(`/transactions?meta_data.tag_eq=${tag}`);
    assert.equal(listed.status, 200, listed.text);
    assert.equal(listed.body.length, 1);
    const identities = await reader.http.get(`/identities?meta_data.tag_eq=${tag}`);
    assert.equal(identities.status, 200, identities.text);
    assert.equal(identities.body.length, 1);
    assertAuthError(await reader.http.post('/transactions/filter', {}), 403, 'AUTH_INSUFFICIENT_PERMISSIONS');
    assertAuthError(await reader.http.post('/identities/filter', {}), 403, 'AUTH_INSUFFICIENT_PERMISSIONS');
    assertAuthError(await kassa.http.post('/transactions/filter', {}), 401, 'AUTH_MISSING_API_KEY');
  });
});
