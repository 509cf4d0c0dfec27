import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startKassa, type TestKassa } from '../support/kassa.js';

describe('identities', () => {
  let kassa: TestKassa;
  before(async () => {
    kassa = await startKassa();
  });
  after(() => kassa.close());

  test('create, read, list, update and delete an identity', async () => {
    const created = await kassa.http.post('/identities', {
      identity_type: 'individual',
      first_name: 'Ada',
      last_name: 'Lovelace',
      email_address: 'ada@example.com',
      dob: '1990-01-01T00:00:00Z',
      meta_data: { tier: 1 },
    });
    assert.equal(created.status, 201);
    const id = created.body.identity_id;
    assert.match(id, /^idt_[0-9a-f-]{36}$/);
    assert.equal(created.body.first_name, 'Ada');
    assert.equal(created.body.dob, '1990-01-01T00:00:00Z');
    assert.equal(created.body.organization_name, '');

    const read = await kassa.http.get(`/identities/${id}`);
    assert.equal(read.status, 200);
    assert.equal(read.body.email_address, 'ada@example.com');

    const list = await kassa.http.get('/identities');
    assert.ok(list.body.some((identity: { identity_id: string }) => identity.identity_id === id));

    const updated = await kassa.http.put(`/identities/${id}`, { last_name: 'Byron', first_name: '', meta_data: { tier: 2 } });
    assert.equal(updated.status, 200);
    assert.deepEqual(updated.body, { message: 'Identity updated successfully' });
    const afterUpdate = await kassa.http.get(`/identities/${id}`);
    assert.equal(afterUpdate.body.first_name, 'Ada');
    assert.equal(afterUpdate.body.last_name, 'Byron');
    assert.deepEqual(afterUpdate.body.meta_data, { tier: 2 });
    assert.equal((await kassa.http.put(`/identities/${id}`, {})).status, 400);

    const deleted = await kassa.http.delete(`/identities/${id}`);
    assert.equal(deleted.status, 200);
    assert.equal((await kassa.http.get(`/identities/${id}`)).body.error_detail.code, 'IDT_NOT_FOUND');
    assert.equal((await kassa.http.delete(`/identities/${id}`)).status, 404);
  });

  test('a caller-chosen id must be idt_ + UUID and unique', async () => {
    const identity_id = `idt_${randomUUID()}`;
    assert.equal((await kassa.http.post('/identities', { identity_id })).status, 201);
    const again = await kassa.http.post('/identities', { identity_id });
    assert.equal(again.status, 400);
    assert.equal(again.body.error_detail.code, 'IDT_VALIDATION_ERROR');
    assert.equal(again.body.error, `Identity already exists: ${identity_id}`);
    assert.equal((await kassa.http.post('/identities', { identity_id: 'idt_nope' })).status, 400);
    assert.equal((await kassa.http.post('/identities', { dob: '1990-01-01' })).body.error_detail.code, 'GEN_MALFORMED_REQUEST');
  });

  test('a balance can be linked to an identity and embeds it; a linked identity cannot be deleted', async () => {
    const identity = await kassa.http.post('/identities', { first_name: 'Grace' });
    const ledger = await kassa.http.post('/ledgers', { name: 'identities' });
    const balance = await kassa.http.post('/balances', { ledger_id: ledger.body.ledger_id, currency: 'USD' });
    const linked = await kassa.http.put(`/balances/${balance.body.balance_id}/identity`, {
      identity_id: identity.body.identity_id,
    });
    assert.equal(linked.status, 200);
    const read = await kassa.http.get(`/balances/${balance.body.balance_id}?include=identity`);
    assert.equal(read.body.identity_id, identity.body.identity_id);
    assert.equal(read.body.identity.first_name, 'Grace');
    const refused = await kassa.http.delete(`/identities/${identity.body.identity_id}`);
    assert.equal(refused.status, 409);
    assert.equal((await kassa.http.get(`/identities/${identity.body.identity_id}`)).status, 200);
  });
});
