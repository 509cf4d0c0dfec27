import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startKassa, type TestKassa } from '../support/kassa.js';

const MONEY_FIELDS = [
  'balance',
  'credit_balance',
  'debit_balance',
  'inflight_balance',
  'inflight_credit_balance',
  'inflight_debit_balance',
];

describe('balances', () => {
  let kassa: TestKassa;
  let ledger_id: string;
  before(async () => {
    kassa = await startKassa();
    ledger_id = (await kassa.http.post('/ledgers', { name: 'balances' })).body.ledger_id;
  });
  after(() => kassa.close());

  test('a new balance has a bln_ id and every amount at 0', async () => {
    const res = await kassa.http.post('/balances', { ledger_id, currency: 'USD', meta_data: { owner: 'x' } });
    assert.equal(res.status, 201);
    assert.match(res.body.balance_id, /^bln_[0-9a-f-]{36}$/);
    for (const field of MONEY_FIELDS) assert.equal(res.body[field], 0, field);
    assert.equal(res.body.currency, 'USD');
    assert.equal(res.body.ledger_id, ledger_id);
    assert.deepEqual(res.body.meta_data, { owner: 'x' });
    const read = await kassa.http.get(`/balances/${res.body.balance_id}`);
    assert.equal(read.status, 200);
    assert.equal(read.body.balance_id, res.body.balance_id);
  });

  test('a balance without a currency is refused', async () => {
    const res = await kassa.http.post('/balances', { ledger_id });
    assert.equal(res.status, 400);
    assert.equal(res.body.error_detail.code, 'BAL_VALIDATION_ERROR');
    assert.match(res.body.errors, /currency: cannot be blank/);
  });

  test('a balance in an unknown ledger is refused', async () => {
    const res = await kassa.http.post('/balances', { ledger_id: 'ldg_unknown', currency: 'USD' });
    assert.equal(res.status, 400);
    assert.equal(res.body.error_detail.code, 'GEN_BAD_REQUEST');
  });

  test('indicators only in the General Ledger, unique per currency', async () => {
    const outside = await kassa.http.post('/balances', { ledger_id, currency: 'USD', indicator: '@cash' });
    assert.equal(outside.status, 400);
    assert.equal(outside.body.error_detail.code, 'BAL_VALIDATION_ERROR');
    const indicator = `@cash-${randomUUID()}`;
    const created = await kassa.http.post('/balances', { ledger_id: 'general_ledger_id', currency: 'USD', indicator });
    assert.equal(created.status, 201);
    assert.equal(created.body.indicator, indicator);
    const again = await kassa.http.post('/balances', { ledger_id: 'general_ledger_id', currency: 'USD', indicator });
    assert.equal(again.status, 409);
    assert.equal(again.body.error_detail.code, 'GEN_CONFLICT');
    const otherCurrency = await kassa.http.post('/balances', { ledger_id: 'general_ledger_id', currency: 'EUR', indicator });
    assert.equal(otherCurrency.status, 201);
    const bad = await kassa.http.post('/balances', { ledger_id: 'general_ledger_id', currency: 'USD', indicator: 'cash' });
    assert.equal(bad.status, 400);

    const byIndicator = await kassa.http.get(`/balances/indicator/${encodeURIComponent(indicator)}/currency/USD`);
    assert.equal(byIndicator.status, 200);
    assert.equal(byIndicator.body.balance_id, created.body.balance_id);
    assert.equal((await kassa.http.get(`/balances/indicator/@nobody/currency/USD`)).status, 404);
  });

  test('an unknown balance is 404 BAL_NOT_FOUND', async () => {
    const res = await kassa.http.get('/balances/bln_nonexistent');
    assert.equal(res.status, 404);
    assert.equal(res.body.error_detail.code, 'BAL_NOT_FOUND');
  });

  test('include=ledger embeds the ledger; with_queued adds the queued sums only when asked', async () => {
    const created = await kassa.http.post('/balances', { ledger_id, currency: 'USD' });
    const id = created.body.balance_id;
    const withLedger = await kassa.http.get(`/balances/${id}?include=ledger`);
    assert.equal(withLedger.body.ledger.ledger_id, ledger_id);
    const plain = await kassa.http.get(`/balances/${id}`);
    assert.equal(plain.body.ledger, undefined);
    assert.equal(plain.body.queued_debit_balance, undefined);
    const queued = await kassa.http.get(`/balances/${id}?with_queued=true`);
    assert.equal(queued.body.queued_debit_balance, 0);
    assert.equal(queued.body.queued_credit_balance, 0);
  });

  test('listing pages with limit and offset and refuses a bad limit', async () => {
    const list = await kassa.http.get('/balances?limit=2');
    assert.equal(list.status, 200);
    assert.equal(list.body.length, 2);
    const bad = await kassa.http.get('/balances?limit=-1');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error, 'invalid limit value');
  });

  test('an empty list is [] not null', async () => {
    const res = await kassa.http.get('/balances?offset=100000');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, []);
  });

  test('setting the identity of a balance needs a known identity', async () => {
    const created = await kassa.http.post('/balances', { ledger_id, currency: 'USD' });
    const res = await kassa.http.put(`/balances/${created.body.balance_id}/identity`, { identity_id: 'idt_unknown' });
    assert.equal(res.status, 404);
    const missing = await kassa.http.put(`/balances/${created.body.balance_id}/identity`, {});
    assert.equal(missing.status, 400);
  });
});
