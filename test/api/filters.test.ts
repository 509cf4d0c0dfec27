import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startKassa, type TestKassa } from '../support/kassa.js';

describe('filters on ledgers and balances', () => {
  let kassa: TestKassa;
  // never all digits: a query-string value that reads as a number is compared as one (as Blnk does)
  const tag = `t${randomUUID().slice(0, 8)}`;
  let ledgerIds: string[] = [];
  before(async () => {
    kassa = await startKassa();
    ledgerIds = [];
    for (const [name, tier] of [
      [`L1-${tag}`, 'gold'],
      [`L2-${tag}`, 'silver'],
      [`L3-${tag}`, 'gold'],
    ]) {
      const res = await kassa.http.post('/ledgers', { name, meta_data: { tier, n: ledgerIds.length + 1, tag } });
      ledgerIds.push(res.body.ledger_id);
    }
  });
  after(() => kassa.close());

  const post = (path: string, body: unknown) => kassa.http.post(path, body);

  test('eq on a field returns exactly the matching ledger', async () => {
    const res = await post('/ledgers/filter', { filters: [{ field: 'name', operator: 'eq', value: `L1-${tag}` }] });
    assert.equal(res.status, 200);
    assert.equal(res.body.length, 1);
    assert.equal(res.body[0].name, `L1-${tag}`);
  });

  test('include_count answers {data, total_count}', async () => {
    const res = await post('/ledgers/filter', {
      filters: [{ field: 'meta_data.tag', operator: 'eq', value: tag }],
      include_count: true,
      limit: 2,
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.data.length, 2);
    assert.equal(res.body.total_count, 3);
    const past = await post('/ledgers/filter', {
      filters: [{ field: 'meta_data.tag', operator: 'eq', value: tag }],
      include_count: true,
      offset: 50,
    });
    assert.deepEqual(past.body, { data: [], total_count: 3 });
  });

  test('an unknown field is 400 GEN_BAD_REQUEST `invalid field`', async () => {
    const res = await post('/ledgers/filter', { filters: [{ field: 'nope', operator: 'eq', value: 1 }] });
    assert.equal(res.status, 400);
    assert.equal(res.body.error_detail.code, 'GEN_BAD_REQUEST');
    assert.match(res.body.error, /^Invalid filter: invalid field 'nope' for table 'ledgers'/);
  });

  test('an unknown operator is 400', async () => {
    const res = await post('/ledgers/filter', { filters: [{ field: 'name', operator: 'contains', value: 'x' }] });
    assert.equal(res.status, 400);
    assert.equal(res.body.error_detail.code, 'GEN_BAD_REQUEST');
    assert.match(res.body.error, /invalid operator 'contains' for field 'name'/);
  });

  test('logical_operator xor is 400 GEN_VALIDATION_ERROR', async () => {
    const res = await post('/ledgers/filter', { filters: [], logical_operator: 'xor' });
    assert.equal(res.status, 400);
    assert.equal(res.body.error_detail.code, 'GEN_VALIDATION_ERROR');
    assert.equal(res.body.error, "invalid logical_operator: must be 'and' or 'or'");
  });

  test('limit above 100 falls back to 20', async () => {
    for (let i = 0; i < 25; i++) await kassa.http.post('/ledgers', { name: `bulk-${tag}-${i}` });
    const res = await post('/ledgers/filter', { limit: 500 });
    assert.equal(res.status, 200);
    assert.equal(res.body.length, 20);
  });

  test('in/between arity, an empty body and unknown keys are refused', async () => {
    for (const body of [
      { filters: [{ field: 'name', operator: 'in', values: [] }] },
      { filters: [{ field: 'created_at', operator: 'between', values: ['2024-01-01'] }] },
      { filters: [{ field: 'name', operator: 'eq' }] },
      { filterz: [] },
    ]) {
      const res = await post('/ledgers/filter', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error_detail.code, 'GEN_BAD_REQUEST');
    }
    const empty = await kassa.http.request('POST', '/ledgers/filter', '', { 'content-type': 'application/json' });
    assert.equal(empty.status, 400);
  });

  test('or joins conditions; sort_by and sort_order order the page', async () => {
    const res = await post('/ledgers/filter', {
      filters: [
        { field: 'name', operator: 'eq', value: `L1-${tag}` },
        { field: 'name', operator: 'eq', value: `L3-${tag}` },
      ],
      logical_operator: 'OR',
      sort_by: 'name',
      sort_order: 'asc',
    });
    assert.deepEqual(
      res.body.map((l: { name: string }) => l.name),
      [`L1-${tag}`, `L3-${tag}`],
    );
    const fallback = await post('/ledgers/filter', {
      filters: [{ field: 'meta_data.tag', operator: 'eq', value: tag }],
      sort_by: 'no_such_column',
      sort_order: 'sideways',
    });
    assert.deepEqual(
      fallback.body.map((l: { ledger_id: string }) => l.ledger_id),
      [...ledgerIds].reverse(),
    );
  });

  test('meta_data operators: eq is type-sensitive, ne/in/like compare text, ranges are numeric', async () => {
    const names = async (filters: unknown[]) =>
      (await post('/ledgers/filter', { filters: [{ field: 'meta_data.tag', operator: 'eq', value: tag }, ...filters] })).body
        .map((l: { name: string }) => l.name)
        .sort();
    assert.deepEqual(await names([{ field: 'meta_data.n', operator: 'eq', value: 2 }]), [`L2-${tag}`]);
    assert.deepEqual(await names([{ field: 'meta_data.n', operator: 'eq', value: '2' }]), []);
    assert.deepEqual(await names([{ field: 'meta_data.tier', operator: 'ne', value: 'gold' }]), [`L2-${tag}`]);
    assert.deepEqual(await names([{ field: 'meta_data.tier', operator: 'in', values: ['silver', 'bronze'] }]), [`L2-${tag}`]);
    assert.deepEqual(await names([{ field: 'meta_data.tier', operator: 'like', value: 'go%' }]), [`L1-${tag}`, `L3-${tag}`]);
    assert.deepEqual(await names([{ field: 'meta_data.n', operator: 'gte', value: 2 }]), [`L2-${tag}`, `L3-${tag}`]);
    assert.deepEqual(await names([{ field: 'meta_data.n', operator: 'between', values: [1, 2] }]), [`L1-${tag}`, `L2-${tag}`]);
    assert.deepEqual(await names([{ field: 'meta_data.tier', operator: 'gt', value: 1 }]), []);
    assert.deepEqual(await names([{ field: 'meta_data.missing', operator: 'isnull' }]), [`L1-${tag}`, `L2-${tag}`, `L3-${tag}`]);
    assert.deepEqual(await names([{ field: 'meta_data.tier', operator: 'isnotnull' }]), [`L1-${tag}`, `L2-${tag}`, `L3-${tag}`]);
  });

  test('GET /ledgers takes query-string filters', async () => {
    const gold = await kassa.http.get(`/ledgers?meta_data.tier_eq=gold&meta_data.tag_eq=${tag}`);
    assert.equal(gold.status, 200);
    assert.deepEqual(gold.body.map((l: { name: string }) => l.name).sort(), [`L1-${tag}`, `L3-${tag}`]);
    const aliases = await kassa.http.get(`/ledgers?meta_data.tag_EQ=${tag}&meta_data.n_GTEQ=2&meta_data.tier_neq=gold`);
    assert.deepEqual(
      aliases.body.map((l: { name: string }) => l.name),
      [`L2-${tag}`],
    );
    const inList = await kassa.http.get(`/ledgers?name_in=L1-${tag},L2-${tag}&limit=1`);
    assert.equal(inList.body.length, 1);
    assert.equal(inList.body[0].name, `L2-${tag}`);
    const today = new Date().toISOString().slice(0, 10);
    const byDay = await kassa.http.get(`/ledgers?created_at_eq=${today}&meta_data.tag_eq=${tag}`);
    assert.equal(byDay.body.length, 3);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    assert.equal((await kassa.http.get(`/ledgers?created_at_eq=${yesterday}&meta_data.tag_eq=${tag}`)).body.length, 0);
    const either = await kassa.http.get(`/ledgers?name_eq=L1-${tag}&meta_data.tier_eq=silver&logical_operator=or`);
    assert.equal(either.body.filter((l: { meta_data: { tag?: string } }) => l.meta_data?.tag === tag).length, 2);
  });

  test('bad query-string filters are 400 with an errors array', async () => {
    const res = await kassa.http.get('/ledgers?name_between=x');
    assert.equal(res.status, 400);
    assert.equal(res.body.error_detail.code, 'GEN_VALIDATION_ERROR');
    assert.equal(res.body.error_detail.message, 'invalid filter parameters');
    assert.ok(Array.isArray(res.body.errors));
    assert.equal(res.body.errors[0].Param, 'name_between');
    assert.deepEqual(res.body.error_detail.details, res.body.errors);
    for (const query of ['nope_eq=1', 'created_at_gt=yesterday', 'logical_operator=xor', `name_eq=${'x'.repeat(1001)}`]) {
      const bad = await kassa.http.get(`/ledgers?${query}`);
      assert.equal(bad.status, 400, query);
      assert.ok(Array.isArray(bad.body.errors), query);
    }
    const tooMany = Array.from({ length: 21 }, (_, i) => `meta_data.k${i}_isnull=`).join('&');
    assert.equal((await kassa.http.get(`/ledgers?${tooMany}`)).status, 400);
    assert.equal((await kassa.http.get('/ledgers?unrelated=1&sort=x')).status, 200);
  });

  test('balances filter on money fields, indicator and currency; GET /balances filters too', async () => {
    const ledger_id = ledgerIds[0];
    const eur = await kassa.http.post('/balances', { ledger_id, currency: `EUR${tag}` });
    await kassa.http.post('/balances', { ledger_id, currency: `USD${tag}` });
    const indicator = `@flt-${tag}`;
    await kassa.http.post('/balances', { ledger_id: 'general_ledger_id', currency: `USD${tag}`, indicator });
    const byCurrency = await post('/balances/filter', {
      filters: [
        { field: 'currency', operator: 'eq', value: `EUR${tag}` },
        { field: 'balance', operator: 'eq', value: 0 },
      ],
      include_count: true,
    });
    assert.equal(byCurrency.status, 200);
    assert.equal(byCurrency.body.total_count, 1);
    assert.equal(byCurrency.body.data[0].balance_id, eur.body.balance_id);
    const byIndicator = await post('/balances/filter', { filters: [{ field: 'indicator', operator: 'eq', value: indicator }] });
    assert.equal(byIndicator.body.length, 1);
    assert.equal(byIndicator.body[0].indicator, indicator);
    const nonNumeric = await post('/balances/filter', { filters: [{ field: 'balance', operator: 'gt', value: 'abc' }] });
    assert.equal(nonNumeric.status, 400);
    const none = await post('/balances/filter', { filters: [{ field: 'currency', operator: 'eq', value: 'nothing' }] });
    assert.deepEqual(none.body, []);
    const listed = await kassa.http.get(`/balances?currency_in=EUR${tag},USD${tag}&balance_lte=0`);
    assert.equal(listed.status, 200);
    assert.equal(listed.body.length, 3);
    assert.equal((await kassa.http.get('/balances?balance_gt=abc')).status, 400);
  });
});
