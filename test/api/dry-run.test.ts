// Dry runs (blnk-contract.md ledger §8.4, §13 behaviours 59-60): POST /transactions (single and splits),
// PUT /transactions/inflight/:id, the bulk inflight endpoints and refunds answer 200 with a
// projection, and write nothing: no row, no balance change, no event, no indicator, no reference.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import pg from 'pg';
import { TEST_DATABASE_URL } from '../support/database.js';
import { ledgerProblems } from '../support/invariants.js';
import { startKassa, type TestKassa } from '../support/kassa.js';

describe('dry run', () => {
  let kassa: TestKassa;
  let ledger_id: string;
  before(async () => {
    kassa = await startKassa();
    ledger_id = (await kassa.http.post('/ledgers', { name: 'dry-run' })).body.ledger_id;
  });
  after(() => kassa.close());

  const ref = (prefix = 'dry') => `${prefix}-${randomUUID()}`;
  const balance = async (currency = 'USD') => {
    const res = await kassa.http.post('/balances', { ledger_id, currency });
    assert.equal(res.status, 201, res.text);
    return res.body.balance_id as string;
  };
  const read = async (id: string) => (await kassa.http.get(`/balances/${id}`)).body;
  const post = (body: Record<string, unknown>) =>
    kassa.http.post('/transactions', { currency: 'USD', description: 'dry run test', reference: ref(), ...body });
  const funded = async (precise_amount: bigint) => {
    const id = await balance();
    const res = await post({ precise_amount, source: '@World', destination: id, allow_overdraft: true, skip_queue: true });
    assert.equal(res.status, 201, res.text);
    return id;
  };
  const hold = async (precise_amount: bigint) => {
    const source = await funded(precise_amount);
    const destination = await balance();
    const res = await post({ precise_amount, source, destination, inflight: true, skip_queue: true });
    assert.equal(res.status, 201, res.text);
    return { id: res.body.transaction_id as string, source, destination };
  };
  /** Row counts that any write would move. */
  const footprint = async () => {
    const [row] = await kassa.server.db.query<Record<string, string>>(
      `SELECT (SELECT count(*) FROM transactions) AS transactions, (SELECT count(*) FROM outbox_events) AS events,
         (SELECT count(*) FROM balances) AS balances, (SELECT count(*) FROM inflight_actions) AS actions,
         (SELECT count(*) FROM transaction_queue) AS queue, (SELECT count(*) FROM hook_deliveries) AS hook_deliveries`,
    );
    return row;
  };
  const money = (b: Record<string, unknown>) =>
    ['balance', 'credit_balance', 'debit_balance', 'inflight_credit_balance', 'inflight_debit_balance', 'version'].map((k) =>
      String(b[k]),
    );

  test('behaviour 59: a funded dry run would apply, projects the balances, writes nothing, and the reference stays free', async () => {
    const source = await funded(10_000n);
    const destination = await balance();
    const [sourceBefore, destinationBefore] = [await read(source), await read(destination)];
    const before = await footprint();
    const reference = ref();
    const res = await post({ reference, amount: 25.5, precision: 100, source, destination, dry_run: true, skip_queue: true });
    assert.equal(res.status, 200, res.text);
    const preview = res.body;
    assert.equal(preview.dry_run, true);
    assert.equal(preview.would_apply, true);
    assert.equal(preview.status, 'APPLIED');
    assert.equal(preview.rejection, undefined);
    assert.equal(preview.reference, reference);
    assert.equal(preview.currency, 'USD');
    assert.equal(preview.amount, 25.5);
    assert.equal(preview.precise_amount, '2550');
    assert.equal(preview.precision, 100);
    assert.deepEqual(preview.notes, []);
    assert.deepEqual(preview.balances, [
      {
        balance_id: source,
        role: 'source',
        currency: 'USD',
        current_balance: '10000',
        current_available: '10000',
        current_credit_balance: '10000',
        current_debit_balance: '0',
        current_inflight_debit_balance: '0',
        current_inflight_credit_balance: '0',
        resulting_balance: '7450',
        resulting_available: '7450',
        resulting_credit_balance: '10000',
        resulting_debit_balance: '2550',
        resulting_inflight_debit_balance: '0',
        resulting_inflight_credit_balance: '0',
      },
      {
        balance_id: destination,
        role: 'destination',
        currency: 'USD',
        current_balance: '0',
        current_available: '0',
        current_credit_balance: '0',
        current_debit_balance: '0',
        current_inflight_debit_balance: '0',
        current_inflight_credit_balance: '0',
        resulting_balance: '2550',
        resulting_available: '2550',
        resulting_credit_balance: '2550',
        resulting_debit_balance: '0',
        resulting_inflight_debit_balance: '0',
        resulting_inflight_credit_balance: '0',
      },
    ]);
    assert.deepEqual(await footprint(), before);
    assert.equal((await kassa.http.get(`/transactions/reference/${reference}`)).status, 404);
    assert.deepEqual(money(await read(source)), money(sourceBefore));
    assert.deepEqual(money(await read(destination)), money(destinationBefore));

    const real = await post({ reference, amount: 25.5, precision: 100, source, destination, skip_queue: true });
    assert.equal(real.status, 201, real.text);
    const after = await read(source);
    assert.equal(String(after.balance), preview.balances[0].resulting_balance);
    assert.equal(String(after.debit_balance), preview.balances[0].resulting_debit_balance);
    assert.equal(String((await read(destination)).balance), preview.balances[1].resulting_balance);
  });

  test('behaviour 60: an empty source would not apply: TXN_INSUFFICIENT_FUNDS, insufficient_funds, no status, balances unchanged', async () => {
    const source = await balance();
    const destination = await balance();
    const res = await post({ precise_amount: 500, source, destination, dry_run: true });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.would_apply, false);
    assert.equal(res.body.rejection.code, 'TXN_INSUFFICIENT_FUNDS');
    assert.equal(res.body.rejection.reason, 'insufficient_funds');
    assert.match(res.body.rejection.message, /insufficient funds/);
    assert.equal('status' in res.body, false);
    assert.equal(res.body.balances[0].resulting_balance, '0');
    assert.equal(res.body.balances[1].resulting_balance, '0');
    // A real post gives the same code.
    const real = await post({ precise_amount: 500, source, destination, skip_queue: true });
    assert.equal(real.status, 400);
    assert.equal(real.body.error_detail.code, res.body.rejection.code);
  });

  test('an overdraft limit refusal is reason overdraft_limit with the code a real post gives', async () => {
    const source = await balance();
    const destination = await balance();
    const body = { amount: 50.01, precision: 100, overdraft_limit: 50, source, destination };
    const res = await post({ ...body, dry_run: true });
    assert.equal(res.body.would_apply, false);
    assert.equal(res.body.rejection.reason, 'overdraft_limit');
    const real = await post({ ...body, skip_queue: true });
    assert.equal(real.status, 400);
    assert.equal(res.body.rejection.code, real.body.error_detail.code);
    assert.equal(res.body.rejection.message, real.body.error_detail.message);
  });

  test('a new @indicator is projected as a virtual zero balance and not created', async () => {
    const indicator = `@dry-${randomUUID()}`;
    const destination = await balance();
    const before = await footprint();
    const res = await post({ precise_amount: 700, source: indicator, destination, allow_overdraft: true, dry_run: true });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.would_apply, true);
    const [source] = res.body.balances;
    assert.equal(source.balance_id, indicator);
    assert.equal(source.virtual, true);
    assert.equal(source.current_balance, '0');
    assert.equal(source.resulting_balance, '-700');
    assert.equal(source.resulting_debit_balance, '700');
    assert.equal(res.body.balances[1].virtual, undefined);
    assert.deepEqual(await footprint(), before);
    assert.equal((await kassa.http.get(`/balances/indicator/${encodeURIComponent(indicator)}/currency/USD`)).status, 404);
  });

  test('inflight and scheduled_for are projected with notes; a currency mismatch is the real 400', async () => {
    const source = await funded(1_000n);
    const euro = await balance('EUR');
    const mismatch = await post({ precise_amount: 400, source, destination: euro, dry_run: true });
    assert.equal(mismatch.status, 400, mismatch.text);
    assert.match(mismatch.body.error_detail.message, /^currency: transaction currency USD differs from the currency EUR/);
    const res = await post({
      precise_amount: 400,
      source,
      destination: await balance(),
      inflight: true,
      scheduled_for: '2099-01-01T00:00:00+00:00',
      dry_run: true,
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.status, 'INFLIGHT');
    assert.equal(res.body.balances[0].resulting_inflight_debit_balance, '400');
    assert.equal(res.body.balances[0].resulting_available, '600');
    assert.equal(res.body.balances[0].resulting_balance, '1000');
    assert.equal(res.body.balances[1].resulting_inflight_credit_balance, '400');
    assert.ok(
      res.body.notes.some((note: string) => note.startsWith('scheduled_for is ignored')),
      res.text,
    );
  });

  test('a used reference would not apply with the message of a real post', async () => {
    const source = await funded(1_000n);
    const destination = await balance();
    const reference = ref();
    assert.equal((await post({ reference, precise_amount: 10, source, destination, skip_queue: true })).status, 201);
    const res = await post({ reference, precise_amount: 10, source, destination, dry_run: true });
    assert.equal(res.status, 200);
    assert.equal(res.body.would_apply, false);
    assert.equal(res.body.rejection.code, 'TXN_DUPLICATE_REFERENCE');
    assert.equal(res.body.rejection.message, `transaction validation failed: reference ${reference} has already been used`);
    assert.equal(res.body.balances[0].resulting_balance, res.body.balances[0].current_balance);
  });

  test('validation errors are still 4xx, as a real post answers them', async () => {
    const source = await funded(1_000n);
    const destination = await balance();
    const missing = await post({ description: '', precise_amount: 10, source, destination, dry_run: true });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error_detail.code, 'TXN_VALIDATION_ERROR');
    const unknown = await post({ precise_amount: 10, source, destination: 'bln_unknown', dry_run: true });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error_detail.code, 'BAL_NOT_FOUND');
    const split = await post({
      precise_amount: 100,
      source,
      destinations: [
        { identifier: destination, distribution: '70%' },
        { identifier: await balance(), distribution: '50%' },
      ],
      dry_run: true,
    });
    assert.equal(split.status, 400);
    assert.match(split.body.error_detail.message, /total distributions exceed 100% or total amount/);
    const malformed = await post({ precise_amount: 10, source, destination, dry_run: 'yes' });
    assert.equal(malformed.status, 400);
  });

  test('a skip_queue split lists its legs and projects them cumulatively; no leg row exists afterwards', async () => {
    const source = await funded(2_000n);
    const [a, b] = [await balance(), await balance()];
    const reference = ref();
    const before = await footprint();
    const res = await post({
      reference,
      amount: 10.01,
      precision: 100,
      source,
      destinations: [
        { identifier: a, distribution: '50%' },
        { identifier: b, distribution: '50%' },
      ],
      skip_queue: true,
      dry_run: true,
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.would_apply, true);
    assert.equal(res.body.precise_amount, '1001');
    const legs = res.body.legs.map((leg: any) => [leg.identifier, leg.role, leg.precise_amount]);
    assert.equal(legs.length, 2);
    assert.deepEqual(
      legs.map((l: string[]) => l[1]),
      ['destination', 'destination'],
    );
    assert.deepEqual(legs.map((l: string[]) => l[2]).sort(), ['500', '501']);
    const bySide = new Map(res.body.balances.map((p: any) => [p.balance_id, p]));
    assert.equal((bySide.get(source) as any).resulting_balance, String(2_000 - 1_001));
    assert.equal(res.body.balances.length, 3);
    assert.deepEqual(await footprint(), before);
    for (const leg of [`${reference}-1`, `${reference}-2`]) {
      assert.equal((await kassa.http.get(`/transactions/reference/${leg}`)).status, 404);
    }
    const real = await post({
      reference,
      amount: 10.01,
      precision: 100,
      source,
      destinations: [
        { identifier: a, distribution: '50%' },
        { identifier: b, distribution: '50%' },
      ],
      skip_queue: true,
    });
    assert.equal(real.status, 201, real.text);
    assert.equal(String((await read(a)).balance), (bySide.get(a) as any).resulting_balance);
    assert.equal(String((await read(b)).balance), (bySide.get(b) as any).resulting_balance);
  });

  // A queued atomic split is one group the worker applies in order, all or none: projected
  // cumulatively like the skip_queue one.
  for (const { name, skip_queue, precise_amount, first_leg } of [
    {
      name: 'an atomic split that runs out of funds would leave every balance as it is',
      skip_queue: true,
      precise_amount: 150,
      first_leg: '50',
    },
    {
      name: 'a queued atomic split is one group: projected cumulatively, all or none',
      skip_queue: false,
      precise_amount: 160,
      first_leg: '80',
    },
  ]) {
    test(name, async () => {
      const source = await funded(100n);
      const [a, b] = [await balance(), await balance()];
      const res = await post({
        precise_amount,
        source,
        destinations: [
          { identifier: a, distribution: first_leg },
          { identifier: b, distribution: 'left' },
        ],
        atomic: true,
        skip_queue,
        dry_run: true,
      });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.would_apply, false);
      assert.equal(res.body.rejection.code, 'TXN_INSUFFICIENT_FUNDS');
      assert.deepEqual(res.body.legs, []);
      for (const p of res.body.balances) assert.equal(p.resulting_balance, p.current_balance);
    });
  }

  test('a queued split projects each leg on its own and says so', async () => {
    const source = await funded(100n);
    const [a, b] = [await balance(), await balance()];
    const res = await post({
      precise_amount: 160,
      source,
      destinations: [
        { identifier: a, distribution: '80' },
        { identifier: b, distribution: 'left' },
      ],
      dry_run: true,
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.would_apply, true);
    assert.equal(res.body.legs.length, 2);
    assert.ok(res.body.notes.some((note: string) => note.startsWith('skip_queue is false')));
    const sourceViews = res.body.balances.filter((p: any) => p.balance_id === source);
    assert.deepEqual(
      sourceViews.map((p: any) => p.resulting_balance),
      ['20', '20'],
    );
  });

  test('inflight commit preview: the hold moves to settled in the projection only', async () => {
    const { id, source, destination } = await hold(10_000n);
    const [sourceBefore, destinationBefore] = [await read(source), await read(destination)];
    const before = await footprint();
    const res = await kassa.http.put(`/transactions/inflight/${id}`, { status: 'commit', dry_run: true });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.dry_run, true);
    assert.equal(res.body.would_apply, true);
    assert.equal(res.body.operation, 'commit');
    assert.equal(res.body.status, 'APPLIED');
    assert.equal(res.body.precise_amount, '10000');
    const [s, d] = res.body.balances;
    assert.equal(s.balance_id, source);
    assert.equal(s.current_inflight_debit_balance, '10000');
    assert.equal(s.resulting_inflight_debit_balance, '0');
    assert.equal(s.resulting_debit_balance, '10000');
    assert.equal(s.resulting_balance, '0');
    assert.equal(d.resulting_credit_balance, '10000');
    assert.deepEqual(await footprint(), before);
    assert.deepEqual(money(await read(source)), money(sourceBefore));
    assert.deepEqual(money(await read(destination)), money(destinationBefore));
    assert.equal((await kassa.http.get(`/transactions/${id}`)).body.status, 'INFLIGHT');

    const partial = await kassa.http.put(`/transactions/inflight/${id}`, {
      status: 'commit',
      precise_amount: 2_500,
      dry_run: true,
    });
    assert.equal(partial.body.precise_amount, '2500');
    assert.equal(partial.body.balances[0].resulting_inflight_debit_balance, '7500');

    const real = await kassa.http.put(`/transactions/inflight/${id}`, { status: 'commit', skip_queue: true });
    assert.equal(real.status, 200, real.text);
    assert.equal(String((await read(source)).debit_balance), s.resulting_debit_balance);
  });

  test('inflight void preview releases the whole remaining hold and notes an ignored amount', async () => {
    const { id, destination } = await hold(10_000n);
    assert.equal(
      (await kassa.http.put(`/transactions/inflight/${id}`, { status: 'commit', precise_amount: 3_000, skip_queue: true }))
        .status,
      200,
    );
    const res = await kassa.http.put(`/transactions/inflight/${id}`, { status: 'void', precise_amount: 4_000, dry_run: true });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.operation, 'void');
    assert.equal(res.body.status, 'VOID');
    assert.equal(res.body.precise_amount, '7000');
    assert.ok(res.body.notes.includes('amount is ignored when voiding; a void always releases the full remaining hold'));
    const d = res.body.balances.find((p: any) => p.balance_id === destination);
    assert.equal(d.current_inflight_credit_balance, '7000');
    assert.equal(d.resulting_inflight_credit_balance, '0');
    assert.equal(d.resulting_credit_balance, '3000');
  });

  test('inflight previews that would not apply: amount exceeded, voided, not inflight; unknown is 404', async () => {
    const { id } = await hold(10_000n);
    const exceeded = await kassa.http.put(`/transactions/inflight/${id}`, {
      status: 'commit',
      precise_amount: 20_000,
      dry_run: true,
    });
    assert.equal(exceeded.status, 200, exceeded.text);
    assert.equal(exceeded.body.would_apply, false);
    assert.equal(exceeded.body.rejection.code, 'TXN_COMMIT_AMOUNT_EXCEEDED');
    assert.match(exceeded.body.rejection.message, /^cannot commit more than the original transaction amount/);
    assert.equal('status' in exceeded.body, false);
    assert.equal(exceeded.body.operation, 'commit');
    for (const p of exceeded.body.balances) assert.equal(p.resulting_inflight_debit_balance, p.current_inflight_debit_balance);

    assert.equal((await kassa.http.put(`/transactions/inflight/${id}`, { status: 'void', skip_queue: true })).status, 200);
    const voided = await kassa.http.put(`/transactions/inflight/${id}`, { status: 'commit', dry_run: true });
    assert.equal(voided.body.would_apply, false);
    assert.equal(voided.body.rejection.code, 'TXN_ALREADY_VOIDED');

    const applied = await post({
      precise_amount: 1,
      source: '@World',
      destination: await balance(),
      allow_overdraft: true,
      skip_queue: true,
    });
    const notInflight = await kassa.http.put(`/transactions/inflight/${applied.body.transaction_id}`, {
      status: 'void',
      dry_run: true,
    });
    assert.equal(notInflight.status, 200);
    assert.equal(notInflight.body.rejection.code, 'TXN_NOT_INFLIGHT');

    const unknown = await kassa.http.put('/transactions/inflight/txn_unknown', { status: 'commit', dry_run: true });
    assert.equal(unknown.status, 404);
    const badAction = await kassa.http.put(`/transactions/inflight/${id}`, { status: 'explode', dry_run: true });
    assert.equal(badAction.status, 400);
    assert.equal(badAction.body.error_detail.code, 'TXN_INVALID_STATUS_ACTION');
  });

  test('bulk inflight previews: cumulative with skip_queue, per-item bulk codes, nothing settled', async () => {
    const first = await hold(1_000n);
    const second = await hold(2_000n);
    const before = await footprint();
    const commit = await kassa.http.post('/transactions/inflight/bulk/commit', {
      transactions: [
        { transaction_id: first.id },
        { transaction_id: first.id },
        { transaction_id: second.id, precise_amount: 500 },
        { transaction_id: 'txn_unknown' },
      ],
      skip_queue: true,
      dry_run: true,
    });
    assert.equal(commit.status, 200, commit.text);
    const body = commit.body;
    assert.equal(body.dry_run, true);
    assert.equal(body.cumulative, true);
    assert.equal(body.atomic, false);
    assert.equal(body.would_apply, false);
    assert.deepEqual(
      body.results.map((r: any) => [r.would_apply, r.rejection?.code ?? null, r.precise_amount]),
      [
        [true, null, '1000'],
        [false, 'ALREADY_COMMITTED', '0'],
        [true, null, '500'],
        [false, 'NOT_FOUND', '0'],
      ],
    );
    assert.ok(body.notes.some((note: string) => note.startsWith('duplicate ids in the list')));
    const secondSource = body.balances.find((p: any) => p.balance_id === second.source);
    assert.equal(secondSource.resulting_inflight_debit_balance, '1500');

    const voids = await kassa.http.post('/transactions/inflight/bulk/void', {
      transaction_ids: [first.id, second.id],
      dry_run: true,
    });
    assert.equal(voids.status, 200, voids.text);
    assert.equal(voids.body.cumulative, false);
    assert.equal(voids.body.balances, undefined);
    assert.deepEqual(
      voids.body.results.map((r: any) => [r.would_apply, r.operation, r.precise_amount]),
      [
        [true, 'void', '1000'],
        [true, 'void', '2000'],
      ],
    );
    assert.deepEqual(await footprint(), before);
    assert.equal((await kassa.http.get(`/transactions/${first.id}`)).body.status, 'INFLIGHT');
  });

  test('refund preview: the reversal is projected, nothing is refunded, and the real refund still works', async () => {
    const source = await funded(10_000n);
    const destination = await balance();
    const original = await post({ precise_amount: 4_000, source, destination, skip_queue: true });
    const id = original.body.transaction_id;
    const before = await footprint();
    const res = await kassa.http.post(`/refund-transaction/${id}`, { dry_run: true, skip_queue: true });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.would_apply, true);
    assert.equal(res.body.status, 'APPLIED');
    assert.equal(res.body.reference, `${id}_refund`);
    assert.equal(res.body.precise_amount, '4000');
    const [s, d] = res.body.balances;
    assert.deepEqual([s.balance_id, s.role, s.resulting_balance], [destination, 'source', '0']);
    assert.deepEqual([d.balance_id, d.role, d.resulting_balance], [source, 'destination', '10000']);
    assert.deepEqual(await footprint(), before);
    const real = await kassa.http.post(`/refund-transaction/${id}`, { skip_queue: true });
    assert.equal(real.status, 201, real.text);
    assert.equal(String((await read(source)).balance), '10000');
    const again = await kassa.http.post(`/refund-transaction/${id}`, { dry_run: true });
    assert.equal(again.status, 200);
    assert.equal(again.body.would_apply, false);
    assert.equal(again.body.rejection.code, 'GEN_CONFLICT');
    assert.equal((await kassa.http.post('/refund-transaction/txn_unknown', { dry_run: true })).status, 404);
  });

  test('bulk create preview: cumulative with skip_queue, stops where a real batch stops, atomic leaves nothing, writes nothing', async () => {
    const source = await funded(1_000n);
    const [a, b] = [await balance(), await balance()];
    const item = (precise_amount: number, destination: string, reference = ref('bulk')) => ({
      precise_amount,
      currency: 'USD',
      description: 'bulk item',
      reference,
      source,
      destination,
    });
    const used = ref('used');
    assert.equal(
      (
        await post({
          reference: used,
          precise_amount: 1,
          source: '@World',
          destination: b,
          allow_overdraft: true,
          skip_queue: true,
        })
      ).status,
      201,
    );
    const transactions = [item(600, a), item(600, b), item(300, b), item(100, a, used)];
    const bulk = (flags: Record<string, unknown>) =>
      kassa.http.post('/transactions/bulk', { transactions, dry_run: true, ...flags });
    const before = await footprint();

    const cumulative = await bulk({ skip_queue: true, run_async: true });
    assert.equal(cumulative.status, 200, cumulative.text);
    assert.equal(cumulative.body.dry_run, true);
    assert.equal(cumulative.body.cumulative, true);
    assert.equal(cumulative.body.atomic, false);
    assert.equal(cumulative.body.would_apply, false);
    assert.deepEqual(
      cumulative.body.results.map((r: any) => [r.would_apply, r.rejection?.code ?? null]),
      [
        [true, null],
        [false, 'TXN_INSUFFICIENT_FUNDS'],
        [true, null],
        [false, 'TXN_DUPLICATE_REFERENCE'],
      ],
    );
    assert.ok(cumulative.body.notes.includes('run_async is ignored in a dry run; the projection is returned immediately'));
    // A real non-atomic batch stops at item 2: only the first item's effect remains.
    const batch = new Map(cumulative.body.balances.map((p: any) => [p.balance_id, p]));
    assert.equal((batch.get(source) as any).resulting_balance, '400');
    assert.equal((batch.get(a) as any).resulting_balance, '600');
    assert.equal((batch.get(b) as any).resulting_balance, '1');

    const atomic = await bulk({ skip_queue: true, atomic: true });
    assert.equal(atomic.body.atomic, true);
    for (const p of atomic.body.balances) assert.equal(p.resulting_balance, p.current_balance);

    const queuedAtomic = await bulk({ atomic: true });
    assert.equal(queuedAtomic.body.cumulative, true);
    assert.equal(queuedAtomic.body.would_apply, false);

    const independent = await bulk({});
    assert.equal(independent.body.cumulative, false);
    assert.equal(independent.body.balances, undefined);
    assert.deepEqual(
      independent.body.results.map((r: any) => r.would_apply),
      [true, true, true, false],
    );

    const held = await kassa.http.post('/transactions/bulk', {
      transactions: transactions.slice(0, 1),
      inflight: true,
      skip_queue: true,
      dry_run: true,
    });
    assert.equal(held.body.would_apply, true);
    assert.equal(held.body.results[0].status, 'INFLIGHT');
    assert.equal(held.body.balances[0].resulting_inflight_debit_balance, '600');
    assert.deepEqual(await footprint(), before);

    // The real batch afterwards does what the preview said: it stops at item 2.
    const real = await kassa.http.post('/transactions/bulk', { transactions, skip_queue: true });
    assert.equal(real.status, 400, real.text);
    assert.equal(real.body.error_detail.code, 'TXN_INSUFFICIENT_FUNDS');
    assert.equal(String((await read(source)).balance), (batch.get(source) as any).resulting_balance);
    assert.equal(String((await read(a)).balance), (batch.get(a) as any).resulting_balance);
  });

  test('bulk create preview: validation errors answer as the real bulk does', async () => {
    const empty = await kassa.http.post('/transactions/bulk', { transactions: [], dry_run: true });
    assert.equal(empty.status, 400);
    assert.equal(empty.body.error_detail.code, 'TXN_BULK_EMPTY');
    const invalid = await kassa.http.post('/transactions/bulk', {
      transactions: [
        {
          precise_amount: 1,
          currency: 'USD',
          reference: ref(),
          description: 'x',
          source: '@World',
          destination: await balance(),
        },
        { currency: 'USD' },
      ],
      dry_run: true,
    });
    assert.equal(invalid.status, 400);
    assert.match(invalid.body.error_detail.message, /^transactions\[1\]/);
  });

  test(
    'a balance locked past lock_wait_timeout: the preview would not apply, GEN_RESOURCE_LOCKED, lock_contention',
    { skip: !TEST_DATABASE_URL && 'PostgreSQL only: the embedded database runs one transaction at a time' },
    async () => {
      const source = await funded(1_000n);
      const destination = await balance();
      const holder = new pg.Client({ connectionString: kassa.database.url });
      await holder.connect();
      try {
        await holder.query('BEGIN');
        await holder.query('SELECT 1 FROM balances WHERE balance_id = $1 FOR UPDATE', [source]);
        const res = await post({ precise_amount: 10, source, destination, dry_run: true });
        assert.equal(res.status, 200, res.text);
        assert.equal(res.body.would_apply, false);
        assert.equal(res.body.rejection.code, 'GEN_RESOURCE_LOCKED');
        assert.equal(res.body.rejection.reason, 'lock_contention');
        assert.equal('status' in res.body, false);
        await holder.query('ROLLBACK');
        const free = await post({ precise_amount: 10, source, destination, dry_run: true });
        assert.equal(free.body.would_apply, true);
      } finally {
        await holder.end();
      }
    },
  );

  test('dry runs among concurrent real posts: every preview answers 200, only real posts write, the ledger stays sound', async () => {
    const source = await funded(10_000n);
    const destination = await balance();
    const before = await footprint();
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        post({ precise_amount: 400, source, destination, skip_queue: true, dry_run: i % 2 === 0 }).then((res) => ({ i, res })),
      ),
    );
    let applied = 0;
    for (const { i, res } of answers) {
      if (i % 2 === 0) {
        assert.equal(res.status, 200, res.text);
        const [s] = res.body.balances;
        const current = BigInt(s.current_balance);
        assert.equal(res.body.would_apply, current >= 400n, res.text);
        assert.equal(BigInt(s.resulting_balance), res.body.would_apply ? current - 400n : current);
        assert.equal((await kassa.http.get(`/transactions/reference/${res.body.reference}`)).status, 404);
      } else if (res.status === 201) applied += 1;
      else assert.equal(res.body.error_detail.code, 'TXN_INSUFFICIENT_FUNDS', res.text);
    }
    assert.equal(applied, 25);
    assert.equal(String((await read(source)).balance), '0');
    const now = await footprint();
    assert.equal(BigInt(now.transactions) - BigInt(before.transactions), BigInt(applied));
    assert.equal(BigInt(now.balances), BigInt(before.balances));
    assert.deepEqual(await ledgerProblems(kassa.http), []);
  });

  test('property: a preview agrees with the real post that follows it (outcome, code and balances)', async () => {
    const [a, b] = [await balance(), await balance()];
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          from_a: fc.boolean(),
          precise_amount: fc.bigInt({ min: 1n, max: 5_000n }),
          allow_overdraft: fc.boolean(),
          overdraft_limit: fc.constantFrom(0, 0, 10, 30),
          inflight: fc.boolean(),
        }),
        async ({ from_a, precise_amount, allow_overdraft, overdraft_limit, inflight }) => {
          const [source, destination] = from_a ? [a, b] : [b, a];
          const body = {
            reference: ref('prop'),
            precise_amount,
            precision: 100,
            source,
            destination,
            allow_overdraft,
            overdraft_limit,
            inflight,
            skip_queue: true,
          };
          const preview = (await post({ ...body, dry_run: true })).body;
          const real = await post(body);
          assert.equal(real.status === 201, preview.would_apply, `${real.text} vs ${JSON.stringify(preview)}`);
          if (!preview.would_apply) assert.equal(real.body.error_detail.code, preview.rejection.code);
          for (const projection of preview.balances) {
            const now = await read(projection.balance_id);
            assert.equal(String(now.balance), projection.resulting_balance);
            assert.equal(String(now.credit_balance), projection.resulting_credit_balance);
            assert.equal(String(now.debit_balance), projection.resulting_debit_balance);
            assert.equal(String(now.inflight_debit_balance), projection.resulting_inflight_debit_balance);
            assert.equal(String(now.inflight_credit_balance), projection.resulting_inflight_credit_balance);
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe('dry run with enable_queued_checks', () => {
  let kassa: TestKassa;
  before(async () => {
    kassa = await startKassa({ env: { BLNK_TRANSACTION_ENABLE_QUEUED_CHECKS: 'true', KASSA_WORKER_ENABLED: 'false' } });
  });
  after(() => kassa.close());

  test('queued debits count in available and in the funds check, as on the real skip_queue path', async () => {
    const ledger_id = (await kassa.http.post('/ledgers', { name: 'queued-checks' })).body.ledger_id;
    const [source, destination] = [
      (await kassa.http.post('/balances', { ledger_id, currency: 'USD' })).body.balance_id,
      (await kassa.http.post('/balances', { ledger_id, currency: 'USD' })).body.balance_id,
    ];
    const post = (body: Record<string, unknown>) =>
      kassa.http.post('/transactions', {
        currency: 'USD',
        description: 'queued checks',
        reference: `qc-${randomUUID()}`,
        ...body,
      });
    assert.equal(
      (await post({ precise_amount: 1_000, source: '@World', destination: source, allow_overdraft: true, skip_queue: true }))
        .status,
      201,
    );
    assert.equal((await post({ precise_amount: 700, source, destination })).status, 201); // stays queued: no worker
    const preview = await post({ precise_amount: 400, source, destination, skip_queue: true, dry_run: true });
    assert.equal(preview.status, 200, preview.text);
    assert.equal(preview.body.would_apply, false);
    assert.equal(preview.body.rejection.code, 'TXN_INSUFFICIENT_FUNDS');
    assert.equal(preview.body.balances[0].current_balance, '1000');
    assert.equal(preview.body.balances[0].current_available, '300');
    const real = await post({ precise_amount: 400, source, destination, skip_queue: true });
    assert.equal(real.status, 400);
    assert.equal(real.body.error_detail.code, 'TXN_INSUFFICIENT_FUNDS');
    const fits = await post({ precise_amount: 300, source, destination, skip_queue: true, dry_run: true });
    assert.equal(fits.body.would_apply, true);
    assert.equal(fits.body.balances[0].resulting_available, '0');
  });
});
