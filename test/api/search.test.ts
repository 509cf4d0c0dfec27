// Blnk's search API answered from the database (issue 14; blnk-contract.md platform §9, behaviours 63-64):
// Typesense's parameters and answer shape, every write searchable in the next request, the reindex
// routes, multi-search, bad input as 4xx, and the SDK's search methods unchanged.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BlnkInit } from '@blnkfinance/blnk-typescript';
import { startKassa, type TestKassa } from '../support/kassa.js';
import type { HttpClient, HttpResponse } from '../support/http.js';
import { eventually } from '../support/receiver.js';
import { MASTER_KEY, SECURE_ENV, assertAuthError, createKey } from '../support/keys.js';

interface Hit {
  document: Record<string, any>;
  highlights: { field: string; matched_tokens: string[]; snippet: string }[];
  highlight: Record<string, { matched_tokens: string[]; snippet: string }>;
  text_match: number;
}

describe('search', () => {
  let kassa: TestKassa;
  let http: HttpClient;
  let ledger: string;
  const balances: string[] = [];
  const tag = `s${Date.now().toString(36)}`;
  const search = (collection: string, body: Record<string, unknown>) => http.post(`/search/${collection}`, body);
  const ok = async (collection: string, body: Record<string, unknown>) => {
    const res = await search(collection, body);
    assert.equal(res.status, 201, res.text);
    return res.body as { found: number; out_of: number; page: number; hits: Hit[]; facet_counts: any[]; request_params: any };
  };
  const refs = (hits: Hit[]) => hits.map((hit) => hit.document.reference).sort();

  before(async () => {
    kassa = await startKassa();
    http = kassa.http;
    ledger = (await http.post('/ledgers', { name: `Search ledger ${tag}`, meta_data: { region: 'emea' } })).body.ledger_id;
    for (const currency of ['USD', 'USD', 'EUR']) {
      const res = await http.post('/balances', { ledger_id: ledger, currency, meta_data: { owner: `${tag}-${currency}` } });
      assert.equal(res.status, 201, res.text);
      balances.push(res.body.balance_id);
    }
    const transfers = [
      { reference: `${tag}-invoice-2024-001`, description: 'Invoice payment for Acme', amount: 10, currency: 'USD', to: 0 },
      { reference: `${tag}-invoice-2024-002`, description: 'Invoice payment for Globex', amount: 55.5, currency: 'USD', to: 1 },
      { reference: `${tag}-refund-77`, description: 'Refund to Acme Corporation', amount: 120, currency: 'USD', to: 0 },
      { reference: `${tag}-payout-9`, description: 'Weekly payout', amount: 99, currency: 'EUR', to: 2 },
    ];
    for (const [index, t] of transfers.entries()) {
      const res = await http.post('/transactions', {
        amount: t.amount,
        precision: 100,
        currency: t.currency,
        reference: t.reference,
        description: t.description,
        source: t.currency === 'USD' ? '@world-usd' : '@world-eur',
        destination: balances[t.to],
        allow_overdraft: true,
        skip_queue: true,
        meta_data: { tier: index % 2 === 0 ? 'gold' : 'silver', score: index * 10, tag },
      });
      assert.equal(res.status, 201, res.text);
    }
  });
  after(() => kassa.close());

  test('q * finds everything: 201 with Typesense answer keys and documents in its shape', async () => {
    const res = await search('transactions', { q: '*', query_by: 'reference', filter_by: `meta_data.tag:=${tag}`, per_page: 50 });
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(Object.keys(res.body), [
      'facet_counts',
      'found',
      'hits',
      'out_of',
      'page',
      'request_params',
      'search_cutoff',
      'search_time_ms',
    ]);
    assert.equal(res.body.found, 4);
    assert.ok(res.body.out_of >= 4);
    assert.equal(res.body.page, 1);
    assert.deepEqual(res.body.request_params, { collection_name: 'transactions', per_page: 50, q: '*' });
    const doc = res.body.hits[0].document;
    assert.equal(doc.id, doc.transaction_id);
    assert.equal(typeof doc.created_at, 'number');
    assert.ok(Math.abs(doc.created_at - Date.now() / 1000) < 600);
    assert.equal(typeof doc.precise_amount, 'string');
    assert.equal(doc.scheduled_for, -62135596800, 'a zero time is Go zero time in Unix seconds, as Blnk');
    assert.equal(doc.meta_data.tag, tag);
    const keys = Object.keys(doc).slice(1);
    assert.deepEqual(keys, [...keys].sort(), 'document keys after id are sorted, as Blnk re-encodes a map');
    // Newest first by default.
    const times = res.body.hits.map((hit: Hit) => hit.document.created_at);
    assert.deepEqual(
      times,
      [...times].sort((a, b) => b - a),
    );
  });

  test('words: all must match in some query_by field, the last as a prefix; highlights mark them', async () => {
    const both = await ok('transactions', { q: 'invoice acme', query_by: 'reference,description' });
    assert.deepEqual(refs(both.hits), [`${tag}-invoice-2024-001`]);
    const hit = both.hits[0];
    assert.ok(hit.text_match > 0);
    const description = hit.highlights.find((h) => h.field === 'description')!;
    assert.equal(description.snippet, '<mark>Invoice</mark> payment for <mark>Acme</mark>');
    assert.deepEqual(hit.highlight.description.matched_tokens, ['Invoice', 'Acme']);

    const prefix = await ok('transactions', { q: 'acm', query_by: 'description', filter_by: `meta_data.tag:=${tag}` });
    assert.deepEqual(refs(prefix.hits), [`${tag}-invoice-2024-001`, `${tag}-refund-77`]);
    const notWord = await ok('transactions', { q: 'acm payment', query_by: 'description' });
    assert.equal(notWord.found, 0, 'a word before the last must match whole');
    const noPrefix = await ok('transactions', { q: 'acm', query_by: 'description', prefix: 'false', num_typos: '0' });
    assert.equal(noPrefix.found, 0);
    const caseless = await ok('transactions', { q: 'GLOBEX', query_by: 'description' });
    assert.deepEqual(refs(caseless.hits), [`${tag}-invoice-2024-002`]);
    // Earlier query_by fields weigh more: a match in reference ranks above one in description only.
    const weighted = await ok('transactions', {
      q: 'refund',
      query_by: 'reference,description',
      filter_by: `meta_data.tag:=${tag}`,
    });
    assert.equal(weighted.hits[0].document.reference, `${tag}-refund-77`);
    const metaWords = await ok('balances', { q: `${tag} eur`, query_by: 'meta_data' });
    assert.deepEqual(
      metaWords.hits.map((h) => h.document.balance_id),
      [balances[2]],
    );
  });

  test('typo tolerance: a word of four or more letters matches a similar word, ranked below exact matches; num_typos 0 turns it off', async () => {
    const typo = await ok('transactions', { q: 'invoce', query_by: 'description', filter_by: `meta_data.tag:=${tag}` });
    assert.deepEqual(refs(typo.hits), [`${tag}-invoice-2024-001`, `${tag}-invoice-2024-002`]);
    const exact = await ok('transactions', { q: 'invoice', query_by: 'description', filter_by: `meta_data.tag:=${tag}` });
    assert.ok(exact.hits[0].text_match > typo.hits[0].text_match);
    assert.equal((await ok('transactions', { q: 'globx', query_by: 'description' })).found, 1);
    const strict = await ok('transactions', { q: 'invoce', query_by: 'description', num_typos: '0' });
    assert.equal(strict.found, 0);
    assertEnvelope(await search('transactions', { q: 'x', query_by: 'reference', num_typos: '3' }), 400, 'SRCH_QUERY_INVALID');
  });

  test('filter_by: exact, lists, numeric ranges, negation, bools, times, meta_data paths, && || and parentheses', async () => {
    const mine = `meta_data.tag:=${tag}`;
    const cases: [string, string[]][] = [
      [`currency:=EUR`, [`${tag}-payout-9`]],
      [`currency:=[EUR,GBP]`, [`${tag}-payout-9`]],
      [`currency:!=USD`, [`${tag}-payout-9`]],
      [`amount:[50..100]`, [`${tag}-invoice-2024-002`, `${tag}-payout-9`]],
      [`amount:>=120`, [`${tag}-refund-77`]],
      [`amount:[<20, >100]`, [`${tag}-invoice-2024-001`, `${tag}-refund-77`]],
      [`precise_amount:=12000`, [`${tag}-refund-77`]],
      [`meta_data.tier:=gold`, [`${tag}-invoice-2024-001`, `${tag}-refund-77`]],
      [`meta_data.score:>=20`, [`${tag}-payout-9`, `${tag}-refund-77`]],
      [`description:acme`, [`${tag}-invoice-2024-001`, `${tag}-refund-77`]],
      [`description:Glob*`, [`${tag}-invoice-2024-002`]],
      [`currency:=USD && (amount:<20 || amount:>100)`, [`${tag}-invoice-2024-001`, `${tag}-refund-77`]],
      [`currency:=EUR || currency:=USD && amount:<20`, [`${tag}-invoice-2024-001`]],
      [`allow_overdraft:true && amount:=99`, [`${tag}-payout-9`]],
      [`allow_overdraft:false`, []],
      [`created_at:>${Math.floor(Date.now() / 1000) + 3600}`, []],
      [
        `created_at:>${Math.floor(Date.now() / 1000) - 3600}`,
        [`${tag}-invoice-2024-001`, `${tag}-invoice-2024-002`, `${tag}-payout-9`, `${tag}-refund-77`],
      ],
      [`reference:=\`${tag}-refund-77\``, [`${tag}-refund-77`]],
    ];
    for (const [filter, expected] of cases) {
      const result = await ok('transactions', { q: '*', filter_by: `(${filter}) && ${mine}`, per_page: 50 });
      assert.deepEqual(refs(result.hits), expected.sort(), filter);
      assert.equal(result.found, expected.length, filter);
    }
  });

  test('sort_by, pages, facets, include and exclude fields', async () => {
    const mine = `meta_data.tag:=${tag}`;
    const ascending = await ok('transactions', { q: '*', filter_by: mine, sort_by: 'amount:asc' });
    assert.deepEqual(
      ascending.hits.map((h) => h.document.reference),
      [`${tag}-invoice-2024-001`, `${tag}-invoice-2024-002`, `${tag}-payout-9`, `${tag}-refund-77`],
    );
    const page2 = await ok('transactions', { q: '*', filter_by: mine, sort_by: 'amount:desc', per_page: 3, page: 2 });
    assert.equal(page2.found, 4);
    assert.equal(page2.page, 2);
    assert.deepEqual(
      page2.hits.map((h) => h.document.reference),
      [`${tag}-invoice-2024-001`],
    );
    const past = await ok('transactions', { q: '*', filter_by: mine, per_page: 3, page: 9 });
    assert.deepEqual(past.hits, []);
    assert.equal(past.found, 4);
    const wordsPast = await ok('transactions', { q: 'payment', query_by: 'description', filter_by: mine, page: 9 });
    assert.deepEqual(wordsPast.hits, []);
    assert.equal(wordsPast.found, 2);
    const wordsPage2 = await ok('transactions', {
      q: 'payment',
      query_by: 'description',
      filter_by: mine,
      sort_by: 'amount:desc',
      per_page: 1,
      page: 2,
    });
    assert.equal(wordsPage2.found, 2);
    assert.deepEqual(
      wordsPage2.hits.map((h) => h.document.reference),
      [`${tag}-invoice-2024-001`],
    );

    const faceted = await ok('transactions', {
      q: '*',
      filter_by: mine,
      facet_by: 'currency,amount,meta_data.tier',
      per_page: 0,
    });
    assert.deepEqual(faceted.hits, []);
    const [currency, amount, tier] = faceted.facet_counts;
    assert.equal(currency.field_name, 'currency');
    assert.deepEqual(currency.counts, [
      { count: 3, highlighted: 'USD', value: 'USD' },
      { count: 1, highlighted: 'EUR', value: 'EUR' },
    ]);
    assert.deepEqual(currency.stats, { total_values: 2 });
    assert.equal(amount.stats.min, 10);
    assert.equal(amount.stats.max, 120);
    assert.equal(amount.stats.sum, 284.5);
    assert.equal(amount.stats.total_values, 4);
    assert.deepEqual(
      tier.counts.map((c: any) => [c.value, c.count]),
      [
        ['gold', 2],
        ['silver', 2],
      ],
    );

    const shown = await ok('transactions', { q: '*', filter_by: mine, include_fields: 'reference,amount', per_page: 1 });
    assert.deepEqual(Object.keys(shown.hits[0].document).sort(), ['amount', 'id', 'reference']);
    const hidden = await ok('transactions', { q: '*', filter_by: mine, exclude_fields: 'meta_data,hash', per_page: 1 });
    assert.ok(!('meta_data' in hidden.hits[0].document) && !('hash' in hidden.hits[0].document));
    assert.ok('reference' in hidden.hits[0].document);
  });

  test('every collection: ledgers, balances (amounts as strings), identities', async () => {
    const ledgers = await ok('ledgers', { q: tag, query_by: 'name' });
    assert.deepEqual(
      ledgers.hits.map((h) => h.document.id),
      [ledger],
    );
    assert.equal(ledgers.hits[0].document.meta_data.region, 'emea');
    const usd = await ok('balances', {
      q: '*',
      filter_by: `ledger_id:=${ledger} && currency:=USD && balance:>1000`,
      sort_by: 'balance:desc',
    });
    assert.deepEqual(
      usd.hits.map((h) => h.document.balance_id),
      [balances[0], balances[1]],
    );
    assert.equal(usd.hits[0].document.balance, '13000');
    assert.equal(typeof usd.hits[0].document.credit_balance, 'string');
    const identity = await http.post('/identities', { first_name: 'Grace', last_name: `Hopper${tag}`, email_address: 'g@x.io' });
    assert.equal(identity.status, 201, identity.text);
    const found = await ok('identities', { q: `hopper${tag}`, query_by: 'first_name,last_name' });
    assert.equal(found.hits[0].document.identity_id, identity.body.identity_id);
    assert.equal(typeof found.hits[0].document.dob, 'number');
  });

  test('reconciliations: every run, started_at as Unix seconds, searchable by status and dry run as soon as it changes', async () => {
    const rule = await http.post('/reconciliation/matching-rules', {
      name: `search-${tag}`,
      description: 'by amount',
      criteria: [{ field: 'amount', operator: 'equals', allowable_drift: 0 }],
    });
    assert.equal(rule.status, 201, rule.text);
    const record = { currency: 'USD', description: 'd', date: new Date().toISOString(), reference: `${tag}-ext`, source: 'bank' };
    let external = 0;
    const runs: string[] = [];
    for (const dry_run of [false, true]) {
      const res = await http.post('/reconciliation/start-instant', {
        external_transactions: [{ ...record, id: `${tag}-ext-${++external}`, amount: 55.5 }],
        strategy: 'one_to_one',
        matching_rule_ids: [rule.body.rule_id],
        dry_run,
      });
      assert.equal(res.status, 200, res.text);
      runs.push(res.body.reconciliation_id);
    }
    const mine = `reconciliation_id:[${runs.join(',')}]`;
    const started = await ok('reconciliations', { q: '*', filter_by: mine });
    assert.equal(started.found, 2);
    const [document] = started.hits.map((h) => h.document);
    assert.equal(typeof document.started_at, 'number');
    assert.deepEqual(started.hits.map((h) => h.document.id).sort(), [...runs].sort());
    const completed = await eventually(async () => {
      const res = await ok('reconciliations', { q: '*', filter_by: `${mine} && status:=completed`, sort_by: 'started_at:asc' });
      // On PostgreSQL the page and the count are read side by side, each in its own snapshot: while the
      // runs complete, one may see them before the other does.
      return res.found === 2 && res.hits.length === 2 && res;
    });
    assert.deepEqual(
      completed.hits.map((h) => [h.document.id, h.document.is_dry_run, h.document.matched_transactions]),
      [
        [runs[0], false, 1],
        [runs[1], true, 1],
      ],
    );
    assert.equal(typeof completed.hits[0].document.completed_at, 'number');
    const real = await ok('reconciliations', { q: runs[0], query_by: 'reconciliation_id', filter_by: 'is_dry_run:false' });
    assert.deepEqual(
      real.hits.map((h) => h.document.id),
      [runs[0]],
    );
  });

  test('every write is searchable in the very next request: create, transfer, metadata merge, identity update', async () => {
    const name = `fresh-${tag}`;
    const created = await http.post('/ledgers', { name });
    assert.equal((await ok('ledgers', { q: name, query_by: 'name' })).found, 1);

    const reference = `${tag}-fresh-transfer`;
    const moved = await http.post('/transactions', {
      amount: 1,
      precision: 1,
      currency: 'USD',
      reference,
      description: 'fresh',
      source: '@world-usd',
      destination: balances[0],
      allow_overdraft: true,
      skip_queue: true,
    });
    assert.equal(moved.status, 201, moved.text);
    const applied = await ok('transactions', { q: '*', filter_by: `reference:=${reference}` });
    assert.equal(applied.hits[0].document.status, 'APPLIED');

    assert.equal((await http.post(`/${created.body.ledger_id}/metadata`, { meta_data: { colour: 'teal' } })).status, 200);
    const merged = await ok('ledgers', { q: '*', filter_by: `meta_data.colour:=teal && ledger_id:=${created.body.ledger_id}` });
    assert.equal(merged.found, 1);

    const identity = (await http.post('/identities', { first_name: 'Before', last_name: tag })).body;
    const updated = await http.put(`/identities/${identity.identity_id}`, { ...identity, first_name: `After${tag}` });
    assert.equal(updated.status, 200, updated.text);
    const renamed = await ok('identities', { q: `after${tag}`, query_by: 'first_name' });
    assert.equal(renamed.found, 1);
  });

  test('a description at its size cap is searchable; a word too long to index is skipped, not refused', async () => {
    const reference = `${tag}-long`;
    const description = `${'w'.repeat(3000)} lookhere ${'fïller '.repeat(8_000)}last`.slice(0, 65_536);
    const res = await http.post('/transactions', {
      amount: 1,
      precision: 1,
      currency: 'USD',
      reference,
      description,
      source: '@world-usd',
      destination: balances[0],
      allow_overdraft: true,
      skip_queue: true,
    });
    assert.equal(res.status, 201, res.text);
    const found = await ok('transactions', { q: 'lookhere', query_by: 'description', filter_by: `reference:=${reference}` });
    assert.equal(found.found, 1);
    assert.equal(found.hits[0].document.description, description);
    const tooLong = await ok('transactions', {
      q: 'w'.repeat(3000).slice(0, 1000),
      query_by: 'description',
      prefix: 'false',
      num_typos: '0',
    });
    assert.equal(tooLong.found, 0);
  });

  test('multi-search: each search answered in its place, a failing one as {code, error}', async () => {
    const res = await http.post('/multi-search', {
      searches: [
        { collection: 'transactions', q: 'globex', query_by: 'description' },
        { collection: 'ledgers', q: '*', filter_by: `ledger_id:=${ledger}` },
        { collection: 'nope', q: '*' },
        { collection: 'transactions', q: '*', filter_by: 'amount:>' },
      ],
    });
    assert.equal(res.status, 200, res.text);
    const [first, second, third, fourth] = res.body.results;
    assert.equal(first.found, 1);
    assert.equal(second.hits[0].document.id, ledger);
    assert.deepEqual(third, { code: 404, error: '`nope` collection not found.' });
    assert.equal(fourth.code, 400);
    assertEnvelope(await http.post('/multi-search', { searches: 'x' }), 400, 'GEN_MALFORMED_REQUEST');
    const tooMany = await http.post('/multi-search', {
      searches: Array.from({ length: 51 }, () => ({ collection: 'ledgers', q: '*' })),
    });
    assertEnvelope(tooMany, 400, 'SRCH_QUERY_INVALID');
  });

  test('bad input: 400 SRCH_QUERY_INVALID (or 404 for an unknown collection) naming the problem, never a 500', async () => {
    const cases: [string, Record<string, unknown>, number, string, RegExp][] = [
      ['nope', { q: '*' }, 404, 'GEN_NOT_FOUND', /`nope` collection not found/],
      ['transactions', { q: 'x' }, 400, 'SRCH_QUERY_INVALID', /No search fields specified/],
      [
        'transactions',
        { q: '*', facet_by: Array(17).fill('currency').join(',') },
        400,
        'SRCH_QUERY_INVALID',
        /more than 16 fields/,
      ],
      ['transactions', { q: 'x', query_by: 'nope' }, 400, 'SRCH_QUERY_INVALID', /field named `nope`/],
      ['transactions', { q: 'x', query_by: 'amount' }, 400, 'SRCH_QUERY_INVALID', /should be a string/],
      ['transactions', { q: '*', filter_by: 'nope:=1' }, 400, 'SRCH_QUERY_INVALID', /filter field named `nope`/],
      ['transactions', { q: '*', filter_by: 'amount:>' }, 400, 'SRCH_QUERY_INVALID', /Could not parse the filter query/],
      ['transactions', { q: '*', filter_by: '(currency:=USD' }, 400, 'SRCH_QUERY_INVALID', /unbalanced parentheses/],
      ['transactions', { q: '*', filter_by: 'currency:=USD)' }, 400, 'SRCH_QUERY_INVALID', /unbalanced parentheses/],
      ['transactions', { q: '*', filter_by: 'amount:>abc' }, 400, 'SRCH_QUERY_INVALID', /Not a number/],
      ['transactions', { q: '*', filter_by: 'currency:>USD' }, 400, 'SRCH_QUERY_INVALID', /Not a numerical field/],
      ['transactions', { q: '*', filter_by: 'allow_overdraft:maybe' }, 400, 'SRCH_QUERY_INVALID', /true or false/],
      ['transactions', { q: '*', filter_by: 'x'.repeat(5000) }, 400, 'SRCH_QUERY_INVALID', /longer than/],
      [
        'transactions',
        { q: '*', filter_by: `${'('.repeat(40)}currency:=USD${')'.repeat(40)}` },
        400,
        'SRCH_QUERY_INVALID',
        /nested too deeply/,
      ],
      ['transactions', { q: '*', sort_by: 'amount:up' }, 400, 'SRCH_QUERY_INVALID', /Bad syntax for sorting/],
      ['transactions', { q: '*', sort_by: 'reference:asc' }, 400, 'SRCH_QUERY_INVALID', /for sorting/],
      [
        'transactions',
        { q: '*', sort_by: 'amount:asc,created_at:desc,precision:asc,_text_match:desc' },
        400,
        'SRCH_QUERY_INVALID',
        /upto 3 sort/,
      ],
      ['transactions', { q: '*', per_page: 251 }, 400, 'SRCH_QUERY_INVALID', /upto 250 hits/],
      ['transactions', { q: '*', page: 0 }, 400, 'SRCH_QUERY_INVALID', /page/],
      ['transactions', { q: '*', page: 100_000, per_page: 250 }, 400, 'SRCH_QUERY_INVALID', /past the end/],
      ['transactions', { q: 'x '.repeat(600), query_by: 'reference' }, 400, 'SRCH_QUERY_INVALID', /longer than/],
      ['transactions', { q: '*', facet_by: 'nope' }, 400, 'SRCH_QUERY_INVALID', /facet field named `nope`/],
      [
        'transactions',
        { q: 'x', query_by: 'reference,description', query_by_weights: '1' },
        400,
        'SRCH_QUERY_INVALID',
        /weights/,
      ],
      [
        'transactions',
        { q: '*', page: 'two' },
        400,
        'GEN_MALFORMED_REQUEST',
        /cannot unmarshal string into Go struct field SearchCollectionParams.page of type int/,
      ],
      ['transactions', { q: 5 }, 400, 'GEN_MALFORMED_REQUEST', /SearchCollectionParams.q of type string/],
    ];
    for (const [collection, body, status, code, message] of cases) {
      const res = await search(collection, body);
      assertEnvelope(res, status, code);
      assert.match(res.body.error, message, JSON.stringify(body).slice(0, 200));
    }
    assertEnvelope(await http.post('/search/transactions', '[1]'), 400, 'GEN_MALFORMED_REQUEST');
    // Hostile values are values: they match nothing and break nothing.
    for (const value of ["'; DROP TABLE transactions; --", '\\', '%', '.*', '$1', '(', '`']) {
      const res = await search('transactions', {
        q: value,
        query_by: 'reference,description',
        filter_by: `reference:=\`${value}\``,
      });
      assert.ok(res.status === 201 || res.status === 400, `${value}: ${res.status} ${res.text}`);
      if (res.status === 201) assert.equal(res.body.found, 0);
    }
  });

  test('64: reindex: 404 before any run, 202 pending or in progress, then completed with every row counted; 409 while one runs', async () => {
    assertEnvelope(await http.get('/search/reindex'), 404, 'SRCH_REINDEX_NOT_STARTED');
    const started = await http.post('/search/reindex', {});
    assert.equal(started.status, 202, started.text);
    assert.equal(started.body.message, 'Reindex operation started');
    assert.ok(['pending', 'in_progress'].includes(started.body.progress.status));
    const done = await eventually(async () => {
      const res = await http.get('/search/reindex');
      return res.body.status === 'completed' && res.body;
    });
    assert.equal(done.phase, 'done');
    const counts = await Promise.all(
      ['ledgers', 'identities', 'balances', 'transactions'].map(async (c) => (await ok(c, { q: '*', per_page: 0 })).out_of),
    );
    assert.equal(
      done.processed_records,
      counts.reduce((a, b) => a + b, 0),
    );
    assert.equal(done.total_records, done.processed_records);
    assert.equal(done.paused, false);
    assert.ok(done.completed_at);
    assert.equal(done.errors, undefined);

    // A run in progress (another process's, say) refuses a second: 409 with its progress.
    await kassa.server.db.query(
      `UPDATE search_reindex SET status = 'in_progress', phase = 'indexing_balances', heartbeat_at = now()`,
    );
    const refused = await http.post('/search/reindex', { batch_size: 10 });
    assertEnvelope(refused, 409, 'SRCH_REINDEX_IN_PROGRESS', ['progress']);
    assert.equal(refused.body.progress.phase, 'indexing_balances');
    assert.deepEqual(refused.body.error_detail.details, refused.body.progress);
    // One whose process stopped writing progress a minute ago is replaced.
    await kassa.server.db.query(`UPDATE search_reindex SET heartbeat_at = now() - interval '2 minutes'`);
    const replaced = await http.post('/search/reindex', { batch_size: 2 });
    assert.equal(replaced.status, 202, replaced.text);
    await eventually(async () => (await http.get('/search/reindex')).body.status === 'completed');
  });

  test("Blnk's TypeScript SDK: Search.search, startReindex and getReindexStatus unchanged", async () => {
    const blnk = await BlnkInit('', {
      baseUrl: kassa.url,
      timeout: 60_000,
      logger: { info() {}, error() {}, debug() {} } as never,
    });
    const found = await blnk.Search.search({ q: 'globex', query_by: 'description', per_page: 5, page: 1 }, 'transactions');
    assert.equal(found.status, 201);
    const data = found.data as unknown as { found: number; hits: Hit[] };
    assert.equal(data.found, 1);
    assert.equal(data.hits[0].document.reference, `${tag}-invoice-2024-002`);
    await eventually(async () => (await http.get('/search/reindex')).body.status !== 'in_progress');
    const started = await blnk.Search.startReindex({ batch_size: 100 });
    assert.equal(started.status, 202);
    const status = await blnk.Search.getReindexStatus();
    assert.equal(status.status, 200);
  });
});

describe('search scopes', () => {
  test('search:write searches (also multi-search); search:read reads the reindex progress only', async () => {
    const kassa = await startKassa({ env: SECURE_ENV });
    try {
      const master = kassa.http.with({ 'X-Blnk-Key': MASTER_KEY });
      const writer = await createKey(master, { owner: 'o', scopes: ['search:write'] });
      const reader = await createKey(master, { owner: 'o', scopes: ['search:read'] });
      assert.equal((await writer.http.post('/search/ledgers', { q: '*' })).status, 201);
      assert.equal((await writer.http.post('/multi-search', { searches: [{ collection: 'ledgers', q: '*' }] })).status, 200);
      assertAuthError(await reader.http.post('/search/ledgers', { q: '*' }), 403, 'AUTH_INSUFFICIENT_PERMISSIONS');
      assertAuthError(await reader.http.post('/search/reindex', {}), 403, 'AUTH_INSUFFICIENT_PERMISSIONS');
      assertAuthError(await reader.http.get('/search/reindex'), 404, 'SRCH_REINDEX_NOT_STARTED');
      assertAuthError(await kassa.http.post('/search/ledgers', { q: '*' }), 401, 'AUTH_MISSING_API_KEY');
    } finally {
      await kassa.close();
    }
  });
});

function assertEnvelope(res: HttpResponse, status: number, code: string, extra: string[] = []): void {
  assert.equal(res.status, status, res.text);
  assert.equal(res.body?.error_detail?.code, code, res.text);
  assert.deepEqual(Object.keys(res.body).sort(), ['error', 'error_detail', ...extra].sort());
}
