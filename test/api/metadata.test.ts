import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startKassa, type TestKassa } from '../support/kassa.js';

describe('metadata', () => {
  let kassa: TestKassa;
  let ledger_id: string;
  before(async () => {
    kassa = await startKassa();
    ledger_id = (await kassa.http.post('/ledgers', { name: 'meta' })).body.ledger_id;
  });
  after(() => kassa.close());

  test('ledger metadata merges: later keys add to earlier ones and GET shows both', async () => {
    const first = await kassa.http.post(`/${ledger_id}/metadata`, { meta_data: { a: 1 } });
    assert.equal(first.status, 200);
    assert.deepEqual(first.body, { meta_data: { a: 1 } });
    const second = await kassa.http.post(`/${ledger_id}/metadata`, { meta_data: { b: 2 } });
    assert.deepEqual(second.body, { meta_data: { a: 1, b: 2 } });
    assert.deepEqual((await kassa.http.get(`/ledgers/${ledger_id}`)).body.meta_data, { a: 1, b: 2 });
  });

  test('the merge is shallow: nested objects are replaced; null is stored as null; {} changes nothing', async () => {
    const id = (await kassa.http.post('/ledgers', { name: 'shallow', meta_data: { a: { x: 1 }, keep: true } })).body.ledger_id;
    const res = await kassa.http.post(`/${id}/metadata`, { meta_data: { a: { y: 2 }, gone: null } });
    assert.deepEqual(res.body.meta_data, { a: { y: 2 }, keep: true, gone: null });
    const same = await kassa.http.post(`/${id}/metadata`, { meta_data: {} });
    assert.deepEqual(same.body.meta_data, { a: { y: 2 }, keep: true, gone: null });
    assert.deepEqual((await kassa.http.get(`/ledgers/${id}`)).body.meta_data, { a: { y: 2 }, keep: true, gone: null });
  });

  test('balances and identities merge the same way, big integers exact', async () => {
    const balance = await kassa.http.post('/balances', { ledger_id, currency: 'USD', meta_data: { owner: 'x' } });
    const res = await kassa.http.post(`/${balance.body.balance_id}/metadata`, {
      meta_data: { n: 123456789012345678901234567890n },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.meta_data, { owner: 'x', n: 123456789012345678901234567890n });
    assert.equal(
      (await kassa.http.get(`/balances/${balance.body.balance_id}`)).body.meta_data.n,
      123456789012345678901234567890n,
    );
    const identity = await kassa.http.post('/identities', { first_name: 'Ada', last_name: 'L', dob: '1990-01-01T00:00:00Z' });
    assert.equal(identity.status, 201);
    const merged = await kassa.http.post(`/${identity.body.identity_id}/metadata`, { meta_data: { tier: 'gold' } });
    assert.equal(merged.status, 200);
    assert.equal(merged.body.meta_data.tier, 'gold');
    assert.equal((await kassa.http.get(`/identities/${identity.body.identity_id}`)).body.meta_data.tier, 'gold');
  });

  const transfer = (reference: string, skip_queue: boolean) =>
    kassa.http.post('/transactions', {
      amount: 10,
      precision: 100,
      currency: 'USD',
      reference,
      description: 'meta',
      source: '@World',
      destination: '@meta-dest',
      allow_overdraft: true,
      skip_queue,
      meta_data: { origin: 'test' },
    });

  test('transaction metadata merges into the row; amount and status do not change', async () => {
    const applied = await transfer(`meta-sq-${Date.now()}`, true);
    assert.equal(applied.status, 201);
    const id = applied.body.transaction_id;
    const res = await kassa.http.post(`/${id}/metadata`, { meta_data: { x: 1 } });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { meta_data: { x: 1 } });
    const read = await kassa.http.get(`/transactions/${id}`);
    assert.equal(read.body.meta_data.x, 1);
    assert.equal(read.body.meta_data.origin, 'test');
    assert.equal(read.body.precise_amount, applied.body.precise_amount);
    assert.equal(read.body.status, 'APPLIED');
  });

  test('metadata posted to a queued transaction reaches its outcome row; the reply echoes the posted keys', async () => {
    const reference = `meta-q-${Date.now()}`;
    const queued = await transfer(reference, false);
    assert.equal(queued.status, 201);
    const deadline = Date.now() + 15_000;
    let outcome = await kassa.http.get(`/transactions/reference/${reference}_q`);
    while (outcome.status !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      outcome = await kassa.http.get(`/transactions/reference/${reference}_q`);
    }
    assert.equal(outcome.body.parent_transaction, queued.body.transaction_id);
    const res = await kassa.http.post(`/${queued.body.transaction_id}/metadata`, { meta_data: { k: 'v' } });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { meta_data: { k: 'v' } });
    assert.equal((await kassa.http.get(`/transactions/${outcome.body.transaction_id}`)).body.meta_data.k, 'v');
    assert.equal((await kassa.http.get(`/transactions/${queued.body.transaction_id}`)).body.meta_data.k, 'v');
  });

  test('an id without a supported prefix is 400 META_INVALID_ENTITY_ID', async () => {
    for (const id of ['acc_123', 'foo', 'general_ledger_id', 'mon_123']) {
      const res = await kassa.http.post(`/${id}/metadata`, { meta_data: { a: 1 } });
      assert.equal(res.status, 400, id);
      assert.equal(res.body.error_detail.code, 'META_INVALID_ENTITY_ID');
      assert.equal(res.body.error, `invalid entity ID format: ${id}`);
    }
  });

  test('a valid prefix for a missing entity is 404 META_ENTITY_NOT_FOUND', async () => {
    for (const id of ['ldg_00000000-0000-0000-0000-000000000000', 'bln_x', 'idt_x', 'txn_x', 'bulk_x']) {
      const res = await kassa.http.post(`/${id}/metadata`, { meta_data: { a: 1 } });
      assert.equal(res.status, 404, id);
      assert.equal(res.body.error_detail.code, 'META_ENTITY_NOT_FOUND');
    }
  });

  test('a body without meta_data (or not an object) is 400', async () => {
    for (const body of [{}, { meta_data: 'x' }, { meta_data: [1] }, { meta_data: null }, undefined]) {
      const res = await kassa.http.post(`/${ledger_id}/metadata`, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error_detail.code, 'GEN_MALFORMED_REQUEST');
    }
    assert.deepEqual((await kassa.http.get(`/ledgers/${ledger_id}`)).body.meta_data, { a: 1, b: 2 });
  });
});
