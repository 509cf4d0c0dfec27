import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startKassa, type TestKassa } from '../support/kassa.js';

describe('ledgers', () => {
  let kassa: TestKassa;
  before(async () => {
    kassa = await startKassa();
  });
  after(() => kassa.close());

  test('creating a ledger returns it with an ldg_ id, its name and meta_data', async () => {
    const res = await kassa.http.post('/ledgers', { name: 'L', meta_data: { k: 'v' } });
    assert.equal(res.status, 201);
    assert.match(res.body.ledger_id, /^ldg_[0-9a-f-]{36}$/);
    assert.equal(res.body.name, 'L');
    assert.deepEqual(res.body.meta_data, { k: 'v' });
    assert.ok(!Number.isNaN(Date.parse(res.body.created_at)));
  });

  test('a ledger without a name is refused with a validation error under `errors`', async () => {
    const res = await kassa.http.post('/ledgers', {});
    assert.equal(res.status, 400);
    assert.equal(res.body.error_detail.code, 'GEN_VALIDATION_ERROR');
    assert.match(res.body.errors, /name: cannot be blank/);
  });

  test('an unknown ledger is 404 LGR_NOT_FOUND', async () => {
    const res = await kassa.http.get('/ledgers/ldg_nonexistent');
    assert.equal(res.status, 404);
    assert.equal(res.body.error_detail.code, 'LGR_NOT_FOUND');
  });

  test('renaming a ledger changes its name and nothing else', async () => {
    const created = await kassa.http.post('/ledgers', { name: 'Old', meta_data: { a: 1 } });
    const res = await kassa.http.put(`/ledgers/${created.body.ledger_id}`, { name: 'New' });
    assert.equal(res.status, 200);
    assert.equal(res.body.name, 'New');
    const read = await kassa.http.get(`/ledgers/${created.body.ledger_id}`);
    assert.equal(read.body.name, 'New');
    assert.deepEqual(read.body.meta_data, { a: 1 });
    assert.equal((await kassa.http.put('/ledgers/ldg_missing', { name: 'x' })).body.error_detail.code, 'LGR_NOT_FOUND');
    assert.equal((await kassa.http.put(`/ledgers/${created.body.ledger_id}`, {})).status, 400);
  });

  test('the General Ledger exists on a fresh install', async () => {
    const res = await kassa.http.get('/ledgers/general_ledger_id');
    assert.equal(res.status, 200);
    assert.equal(res.body.name, 'General Ledger');
  });

  test('listing pages with limit and offset, newest first, and refuses bad values', async () => {
    const names = ['p1', 'p2', 'p3'];
    for (const name of names) await kassa.http.post('/ledgers', { name });
    const first = await kassa.http.get('/ledgers?limit=2');
    assert.equal(first.status, 200);
    assert.deepEqual(
      first.body.map((l: { name: string }) => l.name),
      ['p3', 'p2'],
    );
    const second = await kassa.http.get('/ledgers?limit=2&offset=1');
    assert.deepEqual(
      second.body.map((l: { name: string }) => l.name),
      ['p2', 'p1'],
    );
    for (const query of ['limit=0', 'limit=abc', 'offset=-1']) {
      const res = await kassa.http.get(`/ledgers?${query}`);
      assert.equal(res.status, 400, query);
      assert.equal(res.body.error_detail.code, 'GEN_VALIDATION_ERROR');
    }
  });

  test('meta_data keeps big integers exact', async () => {
    const res = await kassa.http.post('/ledgers', { name: 'big', meta_data: { n: 123456789012345678901234567890n } });
    assert.match(res.text, /"n":123456789012345678901234567890/);
    const read = await kassa.http.get(`/ledgers/${res.body.ledger_id}`);
    assert.equal(read.body.meta_data.n, 123456789012345678901234567890n);
  });
});
