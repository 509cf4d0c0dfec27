// Black-box: the filter language on transactions (blnk-contract.md platform §8.1-8.5, blnk-contract.md ledger §1.6):
// `POST /transactions/filter` and the query-string filters of `GET /transactions`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startKassa, type TestKassa } from '../support/kassa.js';

describe('transaction filters', () => {
  let kassa: TestKassa;
  // never all digits: a query-string value that reads as a number is compared as one (as Blnk does)
  const tag = `t${randomUUID().slice(0, 8)}`;
  const currency = `F${tag}`.toUpperCase();
  const indicator = `@ind-${tag}`;
  let A: string, B: string, C: string, D: string, I: string;
  // reference -> transaction
  const txn: Record<string, any> = {};
  let hold: any;
  let commit: any;

  const post = (body: unknown) => kassa.http.post('/transactions/filter', body);
  /** The tagged transactions a body filter returns, by reference, in answer order. */
  const refs = async (filters: unknown[], extra: Record<string, unknown> = {}) => {
    const res = await post({
      filters: [{ field: 'currency', operator: 'eq', value: currency }, ...filters],
      limit: 100,
      ...extra,
    });
    assert.equal(res.status, 200, res.text);
    assert.ok(Array.isArray(res.body), res.text);
    return res.body.map((t: { reference: string }) => t.reference);
  };
  const sorted = async (filters: unknown[]) => (await refs(filters)).sort();
  /** The tagged transactions a GET query returns, by reference, sorted. */
  const listed = async (query: string) => {
    const res = await kassa.http.get(`/transactions?currency_eq=${currency}&limit=100&${query}`);
    assert.equal(res.status, 200, `${query}: ${res.text}`);
    return res.body.map((t: { reference: string }) => t.reference).sort();
  };

  before(async () => {
    kassa = await startKassa();
    const ledger = (await kassa.http.post('/ledgers', { name: `filters-${tag}` })).body.ledger_id;
    const balance = async () => (await kassa.http.post('/balances', { ledger_id: ledger, currency })).body.balance_id as string;
    [A, B, C, D] = [await balance(), await balance(), await balance(), await balance()];
    const send = async (reference: string, body: Record<string, unknown>) => {
      const res = await kassa.http.post('/transactions', {
        currency,
        precision: 100,
        allow_overdraft: true,
        skip_queue: true,
        reference,
        ...body,
      });
      assert.equal(res.status, 201, res.text);
      txn[reference] = res.body;
      return res.body;
    };
    await send(`ab1-${tag}`, {
      amount: 10,
      source: A,
      destination: B,
      description: 'Rent May',
      meta_data: { tier: 'gold', n: 1, vip: true },
    });
    await send(`ab2-${tag}`, {
      amount: 20.5,
      source: A,
      destination: B,
      description: 'rent june',
      meta_data: { tier: 'silver', n: 2 },
    });
    await send(`cd1-${tag}`, {
      amount: 30,
      source: C,
      destination: D,
      description: 'groceries',
      meta_data: { tier: 'gold', n: '3' },
    });
    await send(`ci1-${tag}`, {
      amount: 40,
      source: C,
      destination: indicator,
      description: 'to the pool',
      effective_date: '2024-01-15T10:20:30Z',
    });
    I = txn[`ci1-${tag}`].destination;
    hold = await send(`hold-${tag}`, { amount: 5, source: D, destination: A, inflight: true, description: 'hold' });
    const committed = await kassa.http.put(`/transactions/inflight/${hold.transaction_id}`, {
      status: 'commit',
      skip_queue: true,
    });
    assert.equal(committed.status, 200, committed.text);
    commit = committed.body;
  });
  after(() => kassa.close());

  const all = () => [`ab1-${tag}`, `ab2-${tag}`, `cd1-${tag}`, `ci1-${tag}`, `hold-${tag}`, commit.reference].sort();

  test('an empty filter body returns every transaction, newest first', async () => {
    const res = await post({});
    assert.equal(res.status, 200);
    const mine = res.body.filter((t: { currency: string }) => t.currency === currency);
    assert.deepEqual(
      mine.map((t: { reference: string }) => t.reference),
      [commit.reference, `hold-${tag}`, `ci1-${tag}`, `cd1-${tag}`, `ab2-${tag}`, `ab1-${tag}`],
    );
    assert.equal(typeof mine[0].precise_amount, 'number');
    assert.ok('meta_data' in mine[0] && 'effective_date' in mine[0]);
  });

  test('every operator on text, numeric and timestamp fields', async () => {
    assert.deepEqual(await sorted([{ field: 'reference', operator: 'eq', value: `ab1-${tag}` }]), [`ab1-${tag}`]);
    assert.deepEqual(await sorted([{ field: 'transaction_id', operator: 'eq', value: txn[`cd1-${tag}`].transaction_id }]), [
      `cd1-${tag}`,
    ]);
    assert.deepEqual(await sorted([{ field: 'source', operator: 'eq', value: C }]), [`cd1-${tag}`, `ci1-${tag}`]);
    assert.deepEqual(await sorted([{ field: 'destination', operator: 'eq', value: B }]), [`ab1-${tag}`, `ab2-${tag}`]);
    assert.deepEqual(await sorted([{ field: 'status', operator: 'eq', value: 'INFLIGHT' }]), [`hold-${tag}`]);
    assert.deepEqual(await sorted([{ field: 'status', operator: 'ne', value: 'APPLIED' }]), [`hold-${tag}`]);
    assert.deepEqual(await sorted([{ field: 'amount', operator: 'eq', value: 20.5 }]), [`ab2-${tag}`]);
    assert.deepEqual(await sorted([{ field: 'amount', operator: 'gt', value: 20.5 }]), [`cd1-${tag}`, `ci1-${tag}`]);
    assert.deepEqual(await sorted([{ field: 'amount', operator: 'gte', value: '20.5' }]), [
      `ab2-${tag}`,
      `cd1-${tag}`,
      `ci1-${tag}`,
    ]);
    assert.deepEqual(await sorted([{ field: 'amount', operator: 'lt', value: 10 }]), [commit.reference, `hold-${tag}`].sort());
    assert.deepEqual(
      await sorted([{ field: 'amount', operator: 'lte', value: 10 }]),
      [`ab1-${tag}`, commit.reference, `hold-${tag}`].sort(),
    );
    assert.deepEqual(await sorted([{ field: 'amount', operator: 'between', values: [10, 30] }]), [
      `ab1-${tag}`,
      `ab2-${tag}`,
      `cd1-${tag}`,
    ]);
    assert.deepEqual(await sorted([{ field: 'precision', operator: 'eq', value: 100 }]), all());
    assert.deepEqual(await sorted([{ field: 'reference', operator: 'in', values: [`ab1-${tag}`, `cd1-${tag}`, 'nope'] }]), [
      `ab1-${tag}`,
      `cd1-${tag}`,
    ]);
    assert.deepEqual(await sorted([{ field: 'description', operator: 'like', value: 'rent%' }]), [`ab2-${tag}`]);
    assert.deepEqual(await sorted([{ field: 'description', operator: 'ilike', value: 'RENT%' }]), [`ab1-${tag}`, `ab2-${tag}`]);
    assert.deepEqual(await sorted([{ field: 'parent_transaction', operator: 'eq', value: hold.transaction_id }]), [
      commit.reference,
    ]);
    assert.deepEqual(await sorted([{ field: 'parent_transaction', operator: 'ne', value: '' }]), [commit.reference]);
    assert.deepEqual(await sorted([{ field: 'parent_transaction', operator: 'isnotnull' }]), all());
    assert.deepEqual(await sorted([{ field: 'effective_date', operator: 'isnull' }]), []);
    // Body timestamps are compared as given: exact equality, or a range with gte/lt/between.
    assert.deepEqual(await sorted([{ field: 'effective_date', operator: 'eq', value: '2024-01-15T10:20:30Z' }]), [`ci1-${tag}`]);
    assert.deepEqual(await sorted([{ field: 'effective_date', operator: 'eq', value: '2024-01-15' }]), []);
    assert.deepEqual(await sorted([{ field: 'effective_date', operator: 'between', values: ['2024-01-15', '2024-01-16'] }]), [
      `ci1-${tag}`,
    ]);
    const created = txn[`cd1-${tag}`].created_at;
    assert.deepEqual(await sorted([{ field: 'created_at', operator: 'eq', value: created }]), [`cd1-${tag}`]);
    assert.deepEqual(
      await sorted([
        { field: 'created_at', operator: 'gte', value: created },
        { field: 'created_at', operator: 'lte', value: txn[`ci1-${tag}`].created_at },
      ]),
      [`cd1-${tag}`, `ci1-${tag}`],
    );
  });

  test('61: balance_id matches source or destination; ne and isnull need both sides', async () => {
    assert.deepEqual(await sorted([{ field: 'balance_id', operator: 'eq', value: B }]), [`ab1-${tag}`, `ab2-${tag}`]);
    assert.deepEqual(
      await sorted([{ field: 'balance_id', operator: 'eq', value: A }]),
      [`ab1-${tag}`, `ab2-${tag}`, commit.reference, `hold-${tag}`].sort(),
    );
    assert.deepEqual(await sorted([{ field: 'balance_id', operator: 'ne', value: A }]), [`cd1-${tag}`, `ci1-${tag}`]);
    assert.deepEqual(await sorted([{ field: 'balance_id', operator: 'in', values: [B, I] }]), [
      `ab1-${tag}`,
      `ab2-${tag}`,
      `ci1-${tag}`,
    ]);
    assert.deepEqual(await sorted([{ field: 'balance_id', operator: 'isnull' }]), []);
    assert.deepEqual(await sorted([{ field: 'balance_id', operator: 'isnotnull' }]), all());
    for (const operator of ['gt', 'gte', 'lt', 'lte', 'between', 'like', 'ilike']) {
      const res = await post({ filters: [{ field: 'balance_id', operator, value: A, values: [A, B] }] });
      assert.equal(res.status, 400, operator);
      assert.equal(res.body.error_detail.code, 'GEN_BAD_REQUEST');
      assert.equal(
        res.body.error,
        `Invalid filter: invalid operator '${operator}' for field 'balance_id': must be one of eq, ne, in, isnull, isnotnull`,
      );
    }
  });

  test('indicator matches transactions whose source or destination balance carries it', async () => {
    assert.deepEqual(await sorted([{ field: 'indicator', operator: 'eq', value: indicator }]), [`ci1-${tag}`]);
    assert.deepEqual(await sorted([{ field: 'indicator', operator: 'like', value: `@ind-${tag.slice(0, 4)}%` }]), [`ci1-${tag}`]);
    assert.deepEqual(await sorted([{ field: 'indicator', operator: 'in', values: [indicator, '@nothing'] }]), [`ci1-${tag}`]);
    assert.deepEqual(await sorted([{ field: 'indicator', operator: 'isnotnull' }]), [`ci1-${tag}`]);
    // Every balance of the others has no indicator, so isnull matches them.
    assert.deepEqual(await sorted([{ field: 'indicator', operator: 'isnull' }]), all());
    assert.deepEqual(await sorted([{ field: 'indicator', operator: 'eq', value: '@nothing' }]), []);
  });

  test('meta_data.<key>: eq is type-sensitive; text, numeric and presence operators', async () => {
    const meta = (operator: string, key: string, value?: unknown) =>
      sorted([{ field: `meta_data.${key}`, operator, value, values: Array.isArray(value) ? value : undefined }]);
    assert.deepEqual(await meta('eq', 'tier', 'gold'), [`ab1-${tag}`, `cd1-${tag}`]);
    assert.deepEqual(await meta('eq', 'n', 3), []);
    assert.deepEqual(await meta('eq', 'n', '3'), [`cd1-${tag}`]);
    assert.deepEqual(await meta('eq', 'vip', true), [`ab1-${tag}`]);
    assert.deepEqual(await meta('ne', 'tier', 'gold'), [`ab2-${tag}`]);
    assert.deepEqual(await meta('in', 'tier', ['silver', 'bronze']), [`ab2-${tag}`]);
    assert.deepEqual(await meta('in', 'vip', ['true']), [`ab1-${tag}`]);
    assert.deepEqual(await meta('like', 'tier', 'g%'), [`ab1-${tag}`, `cd1-${tag}`]);
    assert.deepEqual(await meta('ilike', 'tier', 'SIL%'), [`ab2-${tag}`]);
    assert.deepEqual(await meta('gt', 'n', 1), [`ab2-${tag}`, `cd1-${tag}`]);
    assert.deepEqual(await meta('lte', 'n', 2), [`ab1-${tag}`, `ab2-${tag}`]);
    assert.deepEqual(await meta('between', 'n', [2, 3]), [`ab2-${tag}`, `cd1-${tag}`]);
    assert.deepEqual(await meta('gt', 'tier', 1), []);
    assert.deepEqual(await meta('isnotnull', 'tier'), [`ab1-${tag}`, `ab2-${tag}`, `cd1-${tag}`]);
    assert.deepEqual(await meta('isnull', 'tier'), [commit.reference, `ci1-${tag}`, `hold-${tag}`].sort());
    const badKey = await post({ filters: [{ field: 'meta_data.a.b', operator: 'eq', value: 1 }] });
    assert.equal(badKey.status, 400);
    assert.equal(badKey.body.error_detail.code, 'GEN_BAD_REQUEST');
    assert.match(badKey.body.error, /^Invalid filter: invalid JSON key 'a\.b' in field 'meta_data\.a\.b'/);
  });

  test('logical_operator or joins conditions', async () => {
    const res = await post({
      filters: [
        { field: 'reference', operator: 'eq', value: `ab1-${tag}` },
        { field: 'reference', operator: 'eq', value: `cd1-${tag}` },
      ],
      logical_operator: 'OR',
    });
    assert.deepEqual(
      res.body.map((t: { reference: string }) => t.reference),
      [`cd1-${tag}`, `ab1-${tag}`],
    );
  });

  test('56: include_count answers {data, total_count}; limit and offset page', async () => {
    const res = await post({
      filters: [{ field: 'currency', operator: 'eq', value: currency }],
      include_count: true,
      limit: 2,
      offset: 1,
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.total_count, 6);
    assert.deepEqual(
      res.body.data.map((t: { reference: string }) => t.reference),
      [`hold-${tag}`, `ci1-${tag}`],
    );
    const past = await post({
      filters: [{ field: 'currency', operator: 'eq', value: currency }],
      include_count: true,
      offset: 100,
    });
    assert.deepEqual(past.body, { data: [], total_count: 6 });
    const none = await post({ filters: [{ field: 'currency', operator: 'eq', value: 'NONE' }] });
    assert.deepEqual(none.body, []);
  });

  test('sort_by a field, asc or desc; an unknown sort falls back to created_at desc', async () => {
    const ascending = await refs([], { sort_by: 'AMOUNT', sort_order: 'ASC' });
    assert.deepEqual(ascending.slice(2), [`ab1-${tag}`, `ab2-${tag}`, `cd1-${tag}`, `ci1-${tag}`]);
    assert.deepEqual(ascending.slice(0, 2).sort(), [commit.reference, `hold-${tag}`].sort());
    const byAmount = await refs([{ field: 'amount', operator: 'gte', value: 10 }], { sort_by: 'amount', sort_order: 'asc' });
    assert.deepEqual(byAmount, [`ab1-${tag}`, `ab2-${tag}`, `cd1-${tag}`, `ci1-${tag}`]);
    const byReference = await refs([{ field: 'amount', operator: 'gte', value: 10 }], {
      sort_by: 'reference',
      sort_order: 'desc',
    });
    assert.deepEqual(byReference, [`ci1-${tag}`, `cd1-${tag}`, `ab2-${tag}`, `ab1-${tag}`]);
    for (const sort_by of ['balance_id', 'indicator', 'meta_data', 'nope', 'amount; DROP TABLE transactions']) {
      const fallback = await refs([{ field: 'amount', operator: 'gte', value: 10 }], { sort_by, sort_order: 'sideways' });
      assert.deepEqual(fallback, [`ci1-${tag}`, `cd1-${tag}`, `ab2-${tag}`, `ab1-${tag}`], sort_by);
    }
  });

  test('60: limit above 100 or below 1 falls back to 20', async () => {
    for (let i = 0; i < 21; i++) {
      const res = await kassa.http.post('/transactions', {
        currency: `${currency}X`,
        amount: 1,
        precision: 1,
        source: '@world',
        destination: `@many-${tag}`,
        allow_overdraft: true,
        skip_queue: true,
        reference: `many-${tag}-${i}`,
        description: 'many',
      });
      assert.equal(res.status, 201, res.text);
    }
    const filters = [{ field: 'currency', operator: 'eq', value: `${currency}X` }];
    for (const limit of [500, 0, -1]) {
      assert.equal((await post({ filters, limit })).body.length, 20, String(limit));
    }
    assert.equal((await post({ filters, limit: 21 })).body.length, 21);
    assert.equal((await post({ filters, offset: -3, limit: 100 })).body.length, 21);
  });

  test('57-59: errors are 400 with Blnk codes and messages', async () => {
    const cases: [unknown, string, RegExp][] = [
      [
        { filters: [{ field: 'nope', operator: 'eq', value: 1 }] },
        'GEN_BAD_REQUEST',
        /^Invalid filter: invalid field 'nope' for table 'transactions'$/,
      ],
      [
        { filters: [{ field: 'status', operator: 'contains', value: 'x' }] },
        'GEN_BAD_REQUEST',
        /invalid operator 'contains' for field 'status': must be one of eq, ne/,
      ],
      [{ filters: [{ field: 'status', operator: 'EQ', value: 'x' }] }, 'GEN_BAD_REQUEST', /invalid operator 'EQ'/],
      [{ filters: [{ field: 'status', operator: 'neq', value: 'x' }] }, 'GEN_BAD_REQUEST', /invalid operator 'neq'/],
      [{ filters: [{ field: 'status', operator: 'in', values: [] }] }, 'GEN_BAD_REQUEST', /^Invalid filter: /],
      [{ filters: [{ field: 'amount', operator: 'between', values: [1] }] }, 'GEN_BAD_REQUEST', /^Invalid filter: /],
      [{ filters: [{ field: 'amount', operator: 'gt', value: 'ten' }] }, 'GEN_BAD_REQUEST', /^Invalid filter: /],
      [{ filters: [{ field: 'created_at', operator: 'gt', value: 'yesterday' }] }, 'GEN_BAD_REQUEST', /^Invalid filter: /],
      [{ filters: [{ field: 'status', operator: 'eq' }] }, 'GEN_BAD_REQUEST', /^Invalid filter: /],
      [{ filters: [{ field: 'status', operator: 'eq', value: 'x', extra: 1 }] }, 'GEN_BAD_REQUEST', /unknown field "extra"/],
      [{ filter: [] }, 'GEN_BAD_REQUEST', /unknown field "filter"/],
      [{ filters: {} }, 'GEN_BAD_REQUEST', /^Invalid filter: /],
      [{ logical_operator: 'xor' }, 'GEN_VALIDATION_ERROR', /^invalid logical_operator: must be 'and' or 'or'$/],
    ];
    for (const [body, code, message] of cases) {
      const res = await post(body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error_detail.code, code, JSON.stringify(body));
      assert.match(res.body.error, message, JSON.stringify(body));
    }
    const empty = await kassa.http.request('POST', '/transactions/filter', '', { 'content-type': 'application/json' });
    assert.equal(empty.status, 400);
    const array = await kassa.http.post('/transactions/filter', []);
    assert.equal(array.status, 400);
  });

  describe('GET /transactions query-string filters', () => {
    test('operators, aliases and logical_operator', async () => {
      assert.deepEqual(await listed(`reference_eq=ab1-${tag}`), [`ab1-${tag}`]);
      assert.deepEqual(await listed('status_EQ=INFLIGHT'), [`hold-${tag}`]);
      assert.deepEqual(await listed('status_neq=APPLIED'), [`hold-${tag}`]);
      assert.deepEqual(await listed('amount_gteq=30'), [`cd1-${tag}`, `ci1-${tag}`]);
      assert.deepEqual(await listed('amount_lteq=5&amount_gt=4'), [commit.reference, `hold-${tag}`].sort());
      assert.deepEqual(await listed('amount_between=10|20.5'), [`ab1-${tag}`, `ab2-${tag}`]);
      assert.deepEqual(await listed(`reference_in=ab1-${tag},ab2-${tag}`), [`ab1-${tag}`, `ab2-${tag}`]);
      assert.deepEqual(await listed('description_ilike=RENT%25'), [`ab1-${tag}`, `ab2-${tag}`]);
      assert.deepEqual(await listed(`balance_id_eq=${B}`), [`ab1-${tag}`, `ab2-${tag}`]);
      assert.deepEqual(
        await listed(`balance_id_in=${C},${D}`),
        [`cd1-${tag}`, `ci1-${tag}`, commit.reference, `hold-${tag}`].sort(),
      );
      assert.deepEqual(await listed(`indicator_eq=${encodeURIComponent(indicator)}`), [`ci1-${tag}`]);
      assert.deepEqual(await listed(`parent_transaction_eq=${hold.transaction_id}`), [commit.reference]);
      const res = await kassa.http.get(
        `/transactions?reference_eq=ab1-${tag}&reference_eq2=x&destination_eq=${D}&logical_operator=or&limit=100`,
      );
      assert.deepEqual(res.body.map((t: { reference: string }) => t.reference).sort(), [`ab1-${tag}`, `cd1-${tag}`]);
    });

    test('meta_data values are typed: numbers match numbers', async () => {
      assert.deepEqual(await listed('meta_data.tier_eq=gold'), [`ab1-${tag}`, `cd1-${tag}`]);
      assert.deepEqual(await listed('meta_data.n_eq=2'), [`ab2-${tag}`]);
      // "3" is stored as a string, a query-string 3 is a number: no match (Blnk types it the same way)
      assert.deepEqual(await listed('meta_data.n_eq=3'), []);
      assert.deepEqual(await listed('meta_data.vip_eq=true'), [`ab1-${tag}`]);
      assert.deepEqual(await listed('meta_data.n_gte=2'), [`ab2-${tag}`, `cd1-${tag}`]);
      assert.deepEqual(await listed('meta_data.tier_in=silver,bronze'), [`ab2-${tag}`]);
      assert.deepEqual(await listed('meta_data.tier_isnull=true'), [commit.reference, `ci1-${tag}`, `hold-${tag}`].sort());
    });

    test('timestamps: eq on a date covers the day, on a second covers that second', async () => {
      assert.deepEqual(await listed('effective_date_eq=2024-01-15'), [`ci1-${tag}`]);
      assert.deepEqual(await listed('effective_date_eq=2024/01/15'), [`ci1-${tag}`]);
      assert.deepEqual(await listed('effective_date_eq=2024-01-15T10:20'), [`ci1-${tag}`]);
      assert.deepEqual(await listed('effective_date_eq=2024-01-15 10:20:30'), [`ci1-${tag}`]);
      assert.deepEqual(await listed('effective_date_eq=2024-01-15T10:21'), []);
      assert.deepEqual(await listed('effective_date_eq=2024-01-16'), []);
      assert.deepEqual(await listed('effective_date_lt=2024-02-01'), [`ci1-${tag}`]);
      assert.deepEqual(await listed('effective_date_between=2024-01-01|2024-01-31'), [`ci1-${tag}`]);
      const today = new Date().toISOString().slice(0, 10);
      const todays = await listed(`created_at_eq=${today}`);
      // (a run across midnight UTC could split the rows between two days)
      if (txn[`ab1-${tag}`].created_at.startsWith(today) && commit.created_at.startsWith(today)) assert.deepEqual(todays, all());
      assert.deepEqual(await listed('created_at_lt=2000-01-01'), []);
    });

    test('pagination: limit and offset are coerced, never refused', async () => {
      const page = async (query: string) => (await kassa.http.get(`/transactions?currency_eq=${currency}&${query}`)).body.length;
      assert.equal(await page('limit=2'), 2);
      assert.equal(await page('limit=2&offset=5'), 1);
      assert.equal(await page('limit=abc&offset=-1'), 6);
      assert.equal(await page('limit=0'), 6);
      assert.equal(await page('limit=5000'), 6);
      const total = (await post({ include_count: true })).body.total_count;
      const unfiltered = await kassa.http.get('/transactions?limit=x&offset=y');
      assert.equal(unfiltered.status, 200);
      assert.equal(unfiltered.body.length, Math.min(20, total));
      assert.equal((await kassa.http.get('/transactions?limit=150')).body.length, Math.min(150, total));
    });

    test('bad filters are 400 invalid filter parameters with an errors array', async () => {
      for (const query of [
        'nope_eq=1',
        'amount_between=1',
        'amount_gt=ten',
        'created_at_gt=yesterday',
        'balance_id_like=bln%25',
        'balance_id_gt=x',
        'logical_operator=xor',
        'meta_data.a-b_eq=1',
        `reference_eq=${'x'.repeat(1001)}`,
        `reference_in=${Array.from({ length: 101 }, (_, i) => i).join(',')}`,
        Array.from({ length: 21 }, (_, i) => `meta_data.k${i}_isnull=`).join('&'),
      ]) {
        const res = await kassa.http.get(`/transactions?${query}`);
        assert.equal(res.status, 400, query);
        assert.equal(res.body.error_detail.code, 'GEN_VALIDATION_ERROR', query);
        assert.equal(res.body.error_detail.message, 'invalid filter parameters', query);
        assert.ok(Array.isArray(res.body.errors) && res.body.errors.length > 0, query);
        assert.deepEqual(res.body.error_detail.details, res.body.errors, query);
        assert.ok(typeof res.body.errors[0].Param === 'string' && typeof res.body.errors[0].Message === 'string', query);
      }
      // Keys without an operator suffix and reserved names are not filters.
      for (const query of [
        'sort=amount',
        'order_by=x',
        'page=2',
        'per_page=3',
        'org_id=1',
        'instance_id=2',
        'unrelated=1',
        'sort_by=nope',
      ]) {
        assert.equal((await kassa.http.get(`/transactions?${query}`)).status, 200, query);
      }
    });
  });
});
