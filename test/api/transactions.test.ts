import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { TEST_DATABASE_URL } from '../support/database.js';
import { startKassa, type TestKassa } from '../support/kassa.js';
import { eventually, ledgerProblems } from '../support/invariants.js';

const ref = () => `ref-${randomUUID()}`;
const TRANSACTION_FIELDS = [
  'transaction_id',
  'parent_transaction',
  'source',
  'destination',
  'reference',
  'amount',
  'amount_string',
  'precise_amount',
  'precision',
  'currency',
  'description',
  'status',
  'hash',
  'allow_overdraft',
  'inflight',
  'created_at',
  'effective_date',
  'scheduled_for',
  'inflight_expiry_date',
  'inflight_commit_date',
  'meta_data',
];

describe('transactions', () => {
  let kassa: TestKassa;
  let ledger_id: string;
  const FUNDING = `@Funding-${randomUUID()}`;

  const balance = async (currency = 'USD') =>
    (await kassa.http.post('/balances', { ledger_id, currency })).body.balance_id as string;
  const read = async (id: string) => (await kassa.http.get(`/balances/${id}`)).body;
  const post = (body: Record<string, unknown>) =>
    kassa.http.post('/transactions', { currency: 'USD', description: 'test', reference: ref(), ...body });
  const fund = async (destination: string, precise_amount: bigint | number) => {
    const res = await post({ precise_amount, source: FUNDING, destination, allow_overdraft: true, skip_queue: true });
    assert.equal(res.status, 201, res.text);
  };
  const outcome = (reference: string) =>
    eventually(async () => {
      const res = await kassa.http.get(`/transactions/reference/${reference}_q`);
      return res.status === 200 ? res.body : undefined;
    });

  before(async () => {
    kassa = await startKassa();
    ledger_id = (await kassa.http.post('/ledgers', { name: 'transactions' })).body.ledger_id;
  });
  after(async () => {
    assert.deepEqual(await ledgerProblems(kassa.http), []);
    await kassa.close();
  });

  describe('validation (behaviours 11-16)', () => {
    let a: string;
    let b: string;
    before(async () => {
      a = await balance();
      b = await balance();
    });
    const refused = async (body: Record<string, unknown>, code = 'TXN_VALIDATION_ERROR') => {
      const res = await post({ amount: 10, source: a, destination: b, ...body });
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.error_detail.code, code);
      return res.body;
    };

    test('11: a missing description', async () => {
      const body = await refused({ description: undefined });
      assert.equal(body.errors, 'description: cannot be blank.');
    });
    test('12: amount and precise_amount together', async () => {
      const body = await refused({ precise_amount: 1000 });
      assert.match(body.errors, /either amount or precise_amount should be provided, not both/);
    });
    test('13: a fractional precision', async () => {
      const body = await refused({ precision: 10.5 });
      assert.equal(body.errors, 'precision: precision must be an integer value.');
      assert.equal(body.error_detail.message, 'precision: precision must be an integer value.');
    });
    test('14: a negative amount', async () => {
      await refused({ amount: -5 });
    });
    test('15: the same balance on both sides', async () => {
      const body = await refused({ destination: a });
      assert.match(body.errors, /source and destination cannot be the same balance/);
    });
    test('16: sixteen significant digits', async () => {
      const body = await refused({ amount: 1234567890123456 });
      assert.match(body.errors, /more than 15 significant digits/);
    });
    test('a malformed body is 400 GEN_MALFORMED_REQUEST Invalid input', async () => {
      const body = await refused({ precise_amount: '100.5', amount: undefined }, 'GEN_MALFORMED_REQUEST');
      assert.equal(body.error, 'Invalid input');
      const text = await kassa.http.post('/transactions', '{"amount": 1,');
      assert.equal(text.status, 400);
      assert.equal(text.body.error_detail.code, 'GEN_MALFORMED_REQUEST');
    });
    test('several problems are listed in one ozzo message, fields sorted', async () => {
      const res = await kassa.http.post('/transactions', { amount: 1 });
      assert.equal(res.status, 400);
      assert.equal(
        res.body.errors,
        'currency: cannot be blank; description: cannot be blank; destination: either destination or destinations is ' +
          'required, not both; reference: cannot be blank; source: either source or sources is required, not both.',
      );
    });
  });

  test('17-18: skip_queue from @World applies at once and @World lives in the General Ledger', async () => {
    const d = await balance();
    const before = await read(d);
    const res = await post({
      amount: 100.5,
      precision: 100,
      source: '@World',
      destination: d,
      allow_overdraft: true,
      skip_queue: true,
    });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.status, 'APPLIED');
    assert.equal(res.body.precise_amount, 10050);
    assert.equal(res.body.destination, d);
    assert.match(res.body.source, /^bln_/);
    for (const field of TRANSACTION_FIELDS) assert.ok(field in res.body, field);
    const after = await read(d);
    assert.equal(after.balance, 10050);
    assert.equal(after.credit_balance, 10050);
    assert.equal(after.version, before.version + 1);
    const world = await kassa.http.get('/balances/indicator/@World/currency/USD');
    assert.equal(world.status, 200);
    assert.equal(world.body.ledger_id, 'general_ledger_id');
    assert.equal(world.body.balance, -10050);
    assert.equal(world.body.balance_id, res.body.source);
  });

  test('19: one indicator, two currencies, two balances', async () => {
    const fundName = `@Fund-${randomUUID()}`;
    const d = await balance('EUR');
    const e = await balance('USD');
    assert.equal(
      (await post({ amount: 1, currency: 'EUR', source: fundName, destination: d, allow_overdraft: true, skip_queue: true }))
        .status,
      201,
    );
    assert.equal(
      (await post({ amount: 1, currency: 'USD', source: fundName, destination: e, allow_overdraft: true })).status,
      201,
    );
    const eur = await eventually(async () => {
      const res = await kassa.http.get(`/balances/indicator/${fundName}/currency/EUR`);
      return res.status === 200 ? res.body : undefined;
    });
    const usd = await kassa.http.get(`/balances/indicator/${fundName}/currency/USD`);
    assert.equal(usd.status, 200);
    assert.notEqual(eur.balance_id, usd.body.balance_id);
  });

  test('20-22: precision, rounding and numbers past 2^53 are exact', async () => {
    const d = await balance();
    const plain = await post({ amount: 42, source: FUNDING, destination: d, allow_overdraft: true, skip_queue: true });
    assert.equal(plain.body.precision, 1);
    assert.equal(plain.body.precise_amount, 42);
    const rounded = await post({
      amount: 1.005,
      precision: 100,
      source: FUNDING,
      destination: d,
      allow_overdraft: true,
      skip_queue: true,
    });
    assert.equal(rounded.body.precise_amount, 101);
    const big = 123456789012345678901234567890n;
    const e = await balance();
    const huge = await post({
      precise_amount: big,
      precision: 100,
      source: FUNDING,
      destination: e,
      allow_overdraft: true,
      skip_queue: true,
    });
    assert.equal(huge.status, 201, huge.text);
    assert.equal(huge.body.precise_amount, big);
    assert.equal(huge.body.amount_string, '1234567890123456789012345678.9');
    assert.match(huge.text, /"precise_amount":123456789012345678901234567890[,}]/);
    assert.equal((await read(e)).balance, big);
    assert.equal((await kassa.http.get(`/transactions/${huge.body.transaction_id}`)).body.precise_amount, big);
  });

  test('amount echo and stored amount (§3.2): 100.555 at precision 100 is stored as 100.56', async () => {
    const d = await balance();
    const res = await post({ amount: 100.555, precision: 100, source: FUNDING, destination: d, allow_overdraft: true });
    assert.equal(res.status, 201);
    assert.equal(res.body.amount, 100.555);
    assert.equal(res.body.precise_amount, 10056);
    const stored = await kassa.http.get(`/transactions/${res.body.transaction_id}`);
    assert.equal(stored.body.amount, 100.56);
    assert.equal(stored.body.amount_string, '100.56');
    const precise = await post({
      precise_amount: 1001,
      precision: 100,
      source: FUNDING,
      destination: d,
      allow_overdraft: true,
      skip_queue: true,
    });
    assert.equal(precise.body.amount, 10.01);
    assert.equal(precise.body.amount_string, '10.01');
  });

  test('queued amounts past 2^53 and 10^30 are applied exactly', async () => {
    const d = await balance();
    const big = 10n ** 30n + 7n;
    const reference = ref();
    const res = await post({ reference, precise_amount: big, source: FUNDING, destination: d, allow_overdraft: true });
    assert.equal(res.status, 201);
    const done = await outcome(reference);
    assert.equal(done.status, 'APPLIED');
    assert.equal(done.precise_amount, big);
    assert.equal((await read(d)).balance, big);
  });

  test('23: insufficient funds with skip_queue leave nothing behind', async () => {
    const s = await balance();
    const d = await balance();
    await fund(s, 5000);
    const reference = ref();
    const res = await post({ reference, amount: 60, precision: 100, source: s, destination: d, skip_queue: true });
    assert.equal(res.status, 400);
    assert.equal(res.body.error_detail.code, 'TXN_INSUFFICIENT_FUNDS');
    assert.match(res.body.error, /insufficient funds in source balance/);
    assert.equal((await read(s)).balance, 5000);
    assert.equal((await read(d)).balance, 0);
    assert.equal((await kassa.http.get(`/transactions/reference/${reference}`)).status, 404);
  });

  test('24: a queued transfer without funds is REJECTED with the reason', async () => {
    const s = await balance();
    const d = await balance();
    const reference = ref();
    const res = await post({ reference, amount: 10, source: s, destination: d });
    assert.equal(res.status, 201);
    assert.equal(res.body.status, 'QUEUED');
    const done = await outcome(reference);
    assert.equal(done.status, 'REJECTED');
    assert.equal(
      done.meta_data.blnk_rejection_reason,
      'failed to apply transaction to balances: insufficient funds in source balance',
    );
    assert.equal((await read(s)).balance, 0);
    assert.equal((await read(d)).balance, 0);
  });

  test('25: a queued transfer keeps its QUEUED row and gets an APPLIED <ref>_q child', async () => {
    const s = await balance();
    const d = await balance();
    await fund(s, 1000);
    const reference = ref();
    const res = await post({ reference, amount: 400, source: s, destination: d, meta_data: { order: 7 } });
    assert.equal(res.status, 201);
    assert.equal(res.body.status, 'QUEUED');
    assert.equal(res.body.source, s);
    const id = res.body.transaction_id;
    assert.equal(res.body.meta_data.QUEUED_PARENT_TRANSACTION, id);
    assert.equal(res.body.meta_data.order, 7);
    const done = await outcome(reference);
    assert.equal(done.status, 'APPLIED');
    assert.equal(done.parent_transaction, id);
    assert.equal(done.precise_amount, 400);
    assert.equal(done.meta_data.order, 7);
    const request = await kassa.http.get(`/transactions/${id}`);
    assert.equal(request.status, 200);
    assert.equal(request.body.status, 'QUEUED');
    assert.equal((await read(s)).balance, 600);
    assert.equal((await read(d)).balance, 400);
  });

  test('a queued create answers with the indicator as sent', async () => {
    const d = await balance();
    const res = await post({ amount: 1, source: FUNDING, destination: d, allow_overdraft: true });
    assert.equal(res.body.source, FUNDING);
    const stored = await kassa.http.get(`/transactions/${res.body.transaction_id}`);
    assert.match(stored.body.source, /^bln_/);
  });

  test('26: allow_overdraft without a limit lets the source go negative', async () => {
    const s = await balance();
    const d = await balance();
    const res = await post({ amount: 70, source: s, destination: d, allow_overdraft: true, skip_queue: true });
    assert.equal(res.body.status, 'APPLIED');
    assert.equal((await read(s)).balance, -70);
  });

  test('27: an overdraft limit is enforced exactly', async () => {
    const s = await balance();
    const d = await balance();
    const first = await post({
      amount: 50,
      precision: 100,
      overdraft_limit: 50,
      source: s,
      destination: d,
      allow_overdraft: true,
      skip_queue: true,
    });
    assert.equal(first.body.status, 'APPLIED', first.text);
    assert.equal((await read(s)).balance, -5000);
    const second = await post({
      amount: 0.01,
      precision: 100,
      overdraft_limit: 50,
      source: s,
      destination: d,
      allow_overdraft: true,
      skip_queue: true,
    });
    assert.equal(second.status, 400);
    assert.equal(second.body.error_detail.code, 'TXN_VALIDATION_ERROR');
    assert.match(second.body.error, /transaction exceeds overdraft limit/);
    const reference = ref();
    await post({ reference, amount: 0.01, precision: 100, overdraft_limit: 50, source: s, destination: d });
    assert.match((await outcome(reference)).meta_data.blnk_rejection_reason, /transaction exceeds overdraft limit/);
    assert.equal((await read(s)).balance, -5000);
  });

  test('28: a duplicate reference with skip_queue is 409 and moves nothing', async () => {
    const s = await balance();
    const d = await balance();
    const reference = ref();
    const first = await post({ reference, amount: 5, source: s, destination: d, allow_overdraft: true, skip_queue: true });
    assert.equal(first.status, 201);
    const again = await post({ reference, amount: 5, source: s, destination: d, allow_overdraft: true, skip_queue: true });
    assert.equal(again.status, 409);
    assert.equal(again.body.error_detail.code, 'TXN_DUPLICATE_REFERENCE');
    assert.equal((await read(d)).balance, 5);
  });

  test('29 (deviation): a queued reuse of a reference is refused at once, nothing moves twice', async () => {
    const s = await balance();
    const d = await balance();
    const reference = ref();
    const first = await post({ reference, amount: 5, source: s, destination: d, allow_overdraft: true });
    assert.equal(first.status, 201);
    const again = await post({ reference, amount: 5, source: s, destination: d, allow_overdraft: true });
    assert.equal(again.status, 409);
    assert.equal(again.body.error_detail.code, 'TXN_DUPLICATE_REFERENCE');
    await outcome(reference);
    const late = await post({ reference, amount: 5, source: s, destination: d, allow_overdraft: true });
    assert.equal(late.status, 409);
    await kassa.server.worker!.drain(15_000);
    assert.equal((await read(d)).balance, 5);
    const found = await kassa.http.get(`/transactions/reference/${reference}`);
    assert.equal(found.body.transaction_id, first.body.transaction_id);
  });

  test('unknown balance ids are 404 BAL_NOT_FOUND on both paths (deviation), nothing written', async () => {
    const d = await balance();
    for (const skip_queue of [false, true]) {
      const reference = ref();
      const res = await post({ reference, amount: 5, source: 'bln_unknown', destination: d, allow_overdraft: true, skip_queue });
      assert.equal(res.status, 404, res.text);
      assert.equal(res.body.error_detail.code, 'BAL_NOT_FOUND');
      assert.equal((await kassa.http.get(`/transactions/reference/${reference}`)).status, 404);
    }
  });

  test('an indicator that resolves to the other side is the same balance: refused on both paths', async () => {
    const indicator = `@Self-${randomUUID()}`;
    const created = await kassa.http.post('/balances', { ledger_id: 'general_ledger_id', currency: 'USD', indicator });
    for (const skip_queue of [false, true]) {
      const res = await post({
        amount: 1,
        source: indicator,
        destination: created.body.balance_id,
        allow_overdraft: true,
        skip_queue,
      });
      assert.equal(res.status, 400);
      assert.equal(res.body.error_detail.code, 'TXN_VALIDATION_ERROR');
      assert.match(res.body.errors, /source and destination cannot be the same balance/);
    }
  });

  test(
    'a balance locked longer than lock_wait_timeout answers 423 GEN_RESOURCE_LOCKED, nothing written',
    { skip: !TEST_DATABASE_URL && 'PostgreSQL only: the embedded database runs one transaction at a time' },
    async () => {
      const s = await balance();
      const d = await balance();
      await fund(s, 10);
      const holder = new pg.Client({ connectionString: kassa.database.url });
      await holder.connect();
      try {
        await holder.query('BEGIN');
        await holder.query('SELECT 1 FROM balances WHERE balance_id = $1 FOR UPDATE', [s]);
        const reference = ref();
        const res = await post({ reference, amount: 1, source: s, destination: d, skip_queue: true });
        assert.equal(res.status, 423, res.text);
        assert.equal(res.body.error_detail.code, 'GEN_RESOURCE_LOCKED');
        await holder.query('ROLLBACK');
        assert.equal((await kassa.http.get(`/transactions/reference/${reference}`)).status, 404);
        assert.equal((await read(s)).balance, 10);
      } finally {
        await holder.end();
      }
    },
  );

  test('inflight holds: skip_queue and queued', async () => {
    const s = await balance();
    const d = await balance();
    await fund(s, 10_000);
    const direct = await post({ amount: 30, source: s, destination: d, inflight: true, skip_queue: true });
    assert.equal(direct.body.status, 'INFLIGHT');
    assert.equal(direct.body.inflight, true);
    const reference = ref();
    const queued = await post({ reference, amount: 20, source: s, destination: d, inflight: true });
    assert.equal(queued.body.status, 'QUEUED');
    assert.equal(queued.body.inflight, true);
    const done = await outcome(reference);
    assert.equal(done.status, 'INFLIGHT');
    const source = await read(s);
    assert.equal(source.balance, 10_000);
    assert.equal(source.inflight_debit_balance, 50);
    assert.equal(source.inflight_balance, -50);
    const destination = await read(d);
    assert.equal(destination.inflight_credit_balance, 50);
    assert.equal(destination.balance, 0);
    const over = await post({ amount: 9951, source: s, destination: d, skip_queue: true });
    assert.equal(over.body.error_detail.code, 'TXN_INSUFFICIENT_FUNDS');
  });

  test('61: a scheduled transaction waits for its time', async () => {
    const s = await balance();
    const d = await balance();
    await fund(s, 100);
    const reference = ref();
    const scheduled_for = new Date(Date.now() + 2000).toISOString().replace(/\.\d+Z$/, '+00:00');
    const res = await post({ reference, amount: 100, source: s, destination: d, scheduled_for });
    assert.equal(res.status, 201);
    assert.equal(res.body.status, 'SCHEDULED');
    assert.equal((await read(d)).balance, 0);
    const done = await outcome(reference);
    assert.equal(done.status, 'APPLIED');
    assert.equal((await read(d)).balance, 100);
  });

  test('scheduled_for is ignored with skip_queue', async () => {
    const d = await balance();
    const scheduled_for = new Date(Date.now() + 3_600_000).toISOString();
    const res = await post({
      amount: 3,
      source: FUNDING,
      destination: d,
      allow_overdraft: true,
      skip_queue: true,
      scheduled_for,
    });
    assert.equal(res.body.status, 'APPLIED');
    assert.equal((await read(d)).balance, 3);
  });

  test('68: with_queued shows queued amounts only when asked', async () => {
    const d = await balance();
    const plain = await kassa.http.get(`/balances/${d}`);
    assert.ok(!('queued_debit_balance' in plain.body));
    const queued = await kassa.http.get(`/balances/${d}?with_queued=true`);
    assert.equal(queued.body.queued_debit_balance, 0);
    assert.equal(queued.body.queued_credit_balance, 0);
  });

  test('69: recover validates its threshold', async () => {
    const bad = await kassa.http.post('/transactions/recover?threshold=bogus');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error_detail.code, 'GEN_VALIDATION_ERROR');
    const ok = await kassa.http.post('/transactions/recover?threshold=24h');
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body, { recovered: 0, threshold: '24h0m0s' });
    const fallback = await kassa.http.post('/transactions/recover');
    assert.deepEqual(fallback.body, { recovered: 0, threshold: '2m0s' });
  });

  test('70: random skip_queue transfers keep every invariant', async () => {
    const ids = [await balance(), await balance(), await balance(), await balance()];
    const world = `@World-${randomUUID()}`;
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 60; i++) {
      const from = random(5);
      let to = random(5);
      if (to === from) to = (to + 1) % 5;
      const name = (k: number) => (k === 4 ? world : ids[k]);
      const res = await post({
        precise_amount: 1 + random(500),
        source: name(from),
        destination: name(to),
        allow_overdraft: from === 4,
        skip_queue: true,
      });
      assert.ok([201, 400].includes(res.status), res.text);
      if (i % 20 === 19) assert.deepEqual(await ledgerProblems(kassa.http), []);
    }
  });

  test('71 (deviation): a currency that differs from a balance is 400, nothing applied', async () => {
    const a = await balance('EUR');
    const b = await balance('EUR');
    const res = await post({ amount: 9, currency: 'USD', source: a, destination: b, allow_overdraft: true, skip_queue: true });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.body.error_detail.code, 'TXN_VALIDATION_ERROR');
    assert.equal((await read(b)).balance, 0);
  });

  test('reads: by id and by reference carry every field; unknown is 404 TXN_NOT_FOUND', async () => {
    const d = await balance();
    const reference = ref();
    const effective_date = '2024-01-02T03:04:05Z';
    const created = await post({
      reference,
      amount: 2,
      source: FUNDING,
      destination: d,
      allow_overdraft: true,
      skip_queue: true,
      effective_date,
    });
    const byId = await kassa.http.get(`/transactions/${created.body.transaction_id}`);
    const byReference = await kassa.http.get(`/transactions/reference/${reference}`);
    for (const res of [byId, byReference]) {
      assert.equal(res.status, 200);
      for (const field of TRANSACTION_FIELDS) assert.ok(field in res.body, field);
      assert.equal(res.body.allow_overdraft, true);
      assert.equal(res.body.precision, 1);
      assert.match(res.body.hash, /^[0-9a-f]{64}$/);
      assert.equal(Date.parse(res.body.effective_date), Date.parse(effective_date));
      assert.equal(res.body.scheduled_for, '0001-01-01T00:00:00Z');
    }
    const list = await kassa.http.get('/transactions?limit=5');
    assert.deepEqual(list.body[0], byId.body);
    for (const path of ['/transactions/txn_unknown', '/transactions/reference/nope']) {
      const missing = await kassa.http.get(path);
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error_detail.code, 'TXN_NOT_FOUND');
    }
  });

  test('list: newest first, limit default 20, bad limit and offset fall back', async () => {
    const d = await balance();
    for (let i = 0; i < 3; i++) await fund(d, 1);
    const all = await kassa.http.get('/transactions');
    assert.equal(all.body.length, 20);
    const times = all.body.map((t: any) => Date.parse(t.created_at));
    assert.deepEqual(
      [...times].sort((x, y) => y - x),
      times,
    );
    assert.equal((await kassa.http.get('/transactions?limit=abc&offset=-4')).body.length, 20);
    const second = await kassa.http.get('/transactions?limit=2&offset=1');
    assert.deepEqual(
      second.body.map((t: any) => t.transaction_id),
      all.body.slice(1, 3).map((t: any) => t.transaction_id),
    );
  });
});

describe('transactions with the worker off', () => {
  let kassa: TestKassa;
  before(async () => {
    kassa = await startKassa({ env: { KASSA_WORKER_ENABLED: 'false' } });
  });
  after(() => kassa.close());

  test('an empty list is []', async () => {
    const res = await kassa.http.get('/transactions');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, []);
  });

  test('68: queued amounts count QUEUED rows without an outcome, not scheduled ones', async () => {
    const ledger_id = (await kassa.http.post('/ledgers', { name: 'q' })).body.ledger_id;
    const s = (await kassa.http.post('/balances', { ledger_id, currency: 'USD' })).body.balance_id;
    const d = (await kassa.http.post('/balances', { ledger_id, currency: 'USD' })).body.balance_id;
    const base = { currency: 'USD', description: 'q', source: s, destination: d };
    assert.equal((await kassa.http.post('/transactions', { ...base, reference: ref(), amount: 7 })).status, 201);
    assert.equal((await kassa.http.post('/transactions', { ...base, reference: ref(), amount: 5 })).status, 201);
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const scheduled = await kassa.http.post('/transactions', { ...base, reference: ref(), amount: 100, scheduled_for: later });
    assert.equal(scheduled.body.status, 'SCHEDULED');
    const source = await kassa.http.get(`/balances/${s}?with_queued=true`);
    assert.equal(source.body.queued_debit_balance, 12);
    assert.equal(source.body.queued_credit_balance, 0);
    assert.equal(source.body.balance, 0);
    const destination = await kassa.http.get(`/balances/${d}?with_queued=true`);
    assert.equal(destination.body.queued_credit_balance, 12);
  });
});
