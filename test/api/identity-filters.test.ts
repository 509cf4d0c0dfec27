// Black-box: the filter language on identities (blnk-contract.md platform §8.1, §8.4, §8.5):
// `POST /identities/filter` and the query-string filters of `GET /identities`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startKassa, type TestKassa } from '../support/kassa.js';

describe('identity filters', () => {
  let kassa: TestKassa;
  // never all digits: a query-string value that reads as a number is compared as one (as Blnk does)
  const tag = `t${randomUUID().slice(0, 8)}`;
  const ids: Record<string, string> = {};

  const names = async (filters: unknown[], extra: Record<string, unknown> = {}) => {
    const res = await kassa.http.post('/identities/filter', {
      filters: [{ field: 'meta_data.tag', operator: 'eq', value: tag }, ...filters],
      ...extra,
    });
    assert.equal(res.status, 200, res.text);
    return res.body.map((i: { first_name: string }) => i.first_name);
  };
  const sorted = async (filters: unknown[]) => (await names(filters)).sort();

  before(async () => {
    kassa = await startKassa();
    for (const [first_name, category, dob, country, n] of [
      ['Ada', 'individual', '1990-01-01T00:00:00Z', 'UK', 1],
      ['Bea', 'individual', '1985-06-15T00:00:00Z', 'NG', 2],
      ['Cyd', 'corporate', undefined, 'NG', 3],
    ] as const) {
      const res = await kassa.http.post('/identities', {
        first_name,
        last_name: `L-${tag}`,
        category,
        identity_type: category,
        email_address: `${first_name.toLowerCase()}@${tag}.io`,
        country,
        dob,
        meta_data: { tag, n },
      });
      assert.equal(res.status, 201, res.text);
      ids[first_name] = res.body.identity_id;
    }
  });
  after(() => kassa.close());

  test('operators on identity fields, dob and meta_data', async () => {
    assert.deepEqual(await sorted([]), ['Ada', 'Bea', 'Cyd']);
    assert.deepEqual(await sorted([{ field: 'first_name', operator: 'eq', value: 'Ada' }]), ['Ada']);
    assert.deepEqual(await sorted([{ field: 'identity_id', operator: 'eq', value: ids.Bea }]), ['Bea']);
    assert.deepEqual(await sorted([{ field: 'category', operator: 'ne', value: 'individual' }]), ['Cyd']);
    assert.deepEqual(await sorted([{ field: 'country', operator: 'in', values: ['NG', 'GH'] }]), ['Bea', 'Cyd']);
    assert.deepEqual(await sorted([{ field: 'email_address', operator: 'ilike', value: `%@${tag.toUpperCase()}.IO` }]), [
      'Ada',
      'Bea',
      'Cyd',
    ]);
    assert.deepEqual(await sorted([{ field: 'first_name', operator: 'like', value: 'B%' }]), ['Bea']);
    assert.deepEqual(await sorted([{ field: 'first_name', operator: 'gt', value: 'Ada' }]), ['Bea', 'Cyd']);
    assert.deepEqual(await sorted([{ field: 'dob', operator: 'isnull' }]), ['Cyd']);
    assert.deepEqual(await sorted([{ field: 'dob', operator: 'eq', value: '1990-01-01T00:00:00Z' }]), ['Ada']);
    assert.deepEqual(await sorted([{ field: 'dob', operator: 'lt', value: '1989-01-01' }]), ['Bea']);
    assert.deepEqual(await sorted([{ field: 'dob', operator: 'between', values: ['1980-01-01', '1995-01-01'] }]), ['Ada', 'Bea']);
    assert.deepEqual(await sorted([{ field: 'meta_data.n', operator: 'gte', value: 2 }]), ['Bea', 'Cyd']);
    assert.deepEqual(await sorted([{ field: 'created_at', operator: 'isnotnull' }]), ['Ada', 'Bea', 'Cyd']);
  });

  test('sort, or, include_count and paging', async () => {
    assert.deepEqual(await names([], { sort_by: 'first_name', sort_order: 'asc' }), ['Ada', 'Bea', 'Cyd']);
    assert.deepEqual(await names([], { sort_by: 'dob', sort_order: 'asc' }), ['Bea', 'Ada', 'Cyd']);
    assert.deepEqual(await names([]), ['Cyd', 'Bea', 'Ada']);
    const either = await kassa.http.post('/identities/filter', {
      filters: [
        { field: 'identity_id', operator: 'eq', value: ids.Ada },
        { field: 'identity_id', operator: 'eq', value: ids.Cyd },
      ],
      logical_operator: 'or',
    });
    assert.deepEqual(
      either.body.map((i: { first_name: string }) => i.first_name),
      ['Cyd', 'Ada'],
    );
    const counted = await kassa.http.post('/identities/filter', {
      filters: [{ field: 'meta_data.tag', operator: 'eq', value: tag }],
      include_count: true,
      limit: 1,
      offset: 1,
    });
    assert.equal(counted.body.total_count, 3);
    assert.deepEqual(
      counted.body.data.map((i: { first_name: string }) => i.first_name),
      ['Bea'],
    );
    assert.equal(counted.body.data[0].dob, '1985-06-15T00:00:00Z');
    const none = await kassa.http.post('/identities/filter', {
      filters: [{ field: 'first_name', operator: 'eq', value: 'nobody' }],
    });
    assert.deepEqual(none.body, []);
  });

  test('errors name the identity table', async () => {
    const field = await kassa.http.post('/identities/filter', { filters: [{ field: 'balance_id', operator: 'eq', value: 'x' }] });
    assert.equal(field.status, 400);
    assert.equal(field.body.error_detail.code, 'GEN_BAD_REQUEST');
    assert.equal(field.body.error, "Invalid filter: invalid field 'balance_id' for table 'identity'");
    const logical = await kassa.http.post('/identities/filter', { logical_operator: 'nand' });
    assert.equal(logical.status, 400);
    assert.equal(logical.body.error_detail.code, 'GEN_VALIDATION_ERROR');
    const bad = await kassa.http.get('/identities?nope_eq=1');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error_detail.message, 'invalid filter parameters');
    assert.equal(bad.body.errors[0].Param, 'nope_eq');
  });

  test('GET /identities: query-string filters page; without filters every identity is listed', async () => {
    const get = async (query: string) => {
      const res = await kassa.http.get(`/identities?${query}`);
      assert.equal(res.status, 200, res.text);
      return res.body.map((i: { first_name: string }) => i.first_name);
    };
    assert.deepEqual(await get(`last_name_eq=L-${tag}&country_eq=NG`), ['Cyd', 'Bea']);
    assert.deepEqual(await get(`last_name_eq=L-${tag}&dob_eq=1990-01-01`), ['Ada']);
    assert.deepEqual(await get(`last_name_eq=L-${tag}&meta_data.n_lt=3`), ['Bea', 'Ada']);
    assert.deepEqual(await get(`first_name_eq=Ada&first_name_eq2=x&identity_id_eq=${ids.Cyd}&logical_operator=or`), [
      'Cyd',
      'Ada',
    ]);
    assert.deepEqual(await get(`last_name_eq=L-${tag}&limit=1&offset=1`), ['Bea']);
    assert.deepEqual(await get(`last_name_eq=L-${tag}&limit=abc&offset=-4`), ['Cyd', 'Bea', 'Ada']);
    for (let i = 0; i < 22; i++) await kassa.http.post('/identities', { first_name: `Many${i}`, last_name: `M-${tag}` });
    assert.equal((await get(`last_name_eq=M-${tag}&limit=500`)).length, 20);
    assert.equal((await get(`last_name_eq=M-${tag}&limit=21`)).length, 21);
    // No filter: Blnk's legacy list, every identity, limit ignored.
    assert.ok((await get('limit=2')).length >= 25);
  });
});
