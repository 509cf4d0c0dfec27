// Inflight holds: commit (full, partial), void, queued actions, deadlines, bulk, concurrency
// (blnk-contract.md ledger §4, §13 behaviours 30-43, 55).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { startKassa, type TestKassa } from '../support/kassa.js';
import { Receiver } from '../support/receiver.js';

const POLL_MS = 100;
const POLL_LIMIT_MS = 15_000;

async function eventually<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let waited = 0; waited < POLL_LIMIT_MS; waited += POLL_MS) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(POLL_MS);
  }
  assert.fail(`timed out waiting for ${what}`);
}

/** Ledger helpers bound to one server. */
function ledgerOf(kassa: TestKassa) {
  const http = kassa.http;
  let ledger_id: string | undefined;
  const helpers = {
    async balance(): Promise<string> {
      ledger_id ??= (await http.post('/ledgers', { name: 'inflight' })).body.ledger_id;
      const res = await http.post('/balances', { ledger_id, currency: 'USD' });
      assert.equal(res.status, 201, res.text);
      return res.body.balance_id;
    },
    async get(balance_id: string) {
      return (await http.get(`/balances/${balance_id}`)).body;
    },
    async transfer(body: Record<string, unknown>) {
      return http.post('/transactions', {
        currency: 'USD',
        reference: `ref-${randomUUID()}`,
        description: 'inflight test',
        ...body,
      });
    },
    /** A settled amount into `destination` from @World. */
    async fund(destination: string, precise_amount: number) {
      const res = await helpers.transfer({
        precise_amount,
        source: '@World',
        destination,
        allow_overdraft: true,
        skip_queue: true,
      });
      assert.equal(res.status, 201, res.text);
    },
    /** A funded source, an empty destination and a skip_queue hold between them. */
    async hold(precise_amount: number, extra: Record<string, unknown> = {}) {
      const source = await helpers.balance();
      const destination = await helpers.balance();
      await helpers.fund(source, precise_amount);
      const res = await helpers.transfer({ precise_amount, source, destination, inflight: true, skip_queue: true, ...extra });
      assert.equal(res.status, 201, res.text);
      assert.equal(res.body.status, 'INFLIGHT');
      return { source, destination, hold: res.body.transaction_id as string, body: res.body };
    },
    put(id: string, body: Record<string, unknown>) {
      return http.put(`/transactions/inflight/${id}`, body);
    },
    /** The rows whose parent is `parent`, oldest first, as the API shows them. */
    async children(parent: string): Promise<Record<string, any>[]> {
      const ids = await kassa.server.db.query<{ transaction_id: string }>(
        'SELECT transaction_id FROM transactions WHERE parent_transaction = $1 ORDER BY seq',
        [parent],
      );
      return Promise.all(ids.map(async ({ transaction_id }) => (await http.get(`/transactions/${transaction_id}`)).body));
    },
  };
  return helpers;
}

describe('inflight commit and void', () => {
  // A webhook URL, so that webhook events are recorded (the event test reads them).
  const receiver = new Receiver();
  let kassa: TestKassa;
  let l: ReturnType<typeof ledgerOf>;

  before(async () => {
    await receiver.start();
    kassa = await startKassa({ env: { BLNK_WEBHOOK_URL: receiver.url } });
    l = ledgerOf(kassa);
  });
  after(async () => {
    await kassa.close();
    await receiver.stop();
  });

  test('30: a hold moves only the inflight fields', async () => {
    const source = await l.balance();
    const destination = await l.balance();
    await l.fund(source, 50000);
    const res = await l.transfer({ amount: 100, precision: 100, source, destination, inflight: true, skip_queue: true });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.status, 'INFLIGHT');
    const s = await l.get(source);
    assert.equal(s.inflight_debit_balance, 10000);
    assert.equal(s.inflight_balance, -10000);
    assert.equal(s.balance, 50000);
    const d = await l.get(destination);
    assert.equal(d.inflight_credit_balance, 10000);
    assert.equal(d.inflight_balance, 10000);
    assert.equal(d.balance, 0);
  });

  test('31: a hold reduces the funds available', async () => {
    const { source, destination } = await l.hold(8000);
    await l.fund(source, 2000);
    const res = await l.transfer({ amount: 30, precision: 100, source, destination, skip_queue: true });
    assert.equal(res.status, 400);
    assert.equal(res.body.error_detail.code, 'TXN_INSUFFICIENT_FUNDS');
  });

  test('32: a full commit settles the hold', async () => {
    const { source, destination, hold } = await l.hold(10000);
    const res = await l.put(hold, { status: 'commit', skip_queue: true });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.status, 'APPLIED');
    assert.equal(res.body.parent_transaction, hold);
    assert.equal(res.body.precise_amount, 10000);
    assert.match(res.body.reference, /^ref_[0-9a-f-]{36}$/);
    const s = await l.get(source);
    assert.equal(s.debit_balance, 10000);
    assert.equal(s.balance, 0);
    assert.equal(s.inflight_debit_balance, 0);
    assert.equal(s.inflight_balance, 0);
    const d = await l.get(destination);
    assert.equal(d.credit_balance, 10000);
    assert.equal(d.inflight_credit_balance, 0);
  });

  test('33: a partial commit by amount uses the stored precision, then the rest', async () => {
    const source = await l.balance();
    const destination = await l.balance();
    await l.fund(source, 30050);
    const created = await l.transfer({ amount: 300.5, precision: 100, source, destination, inflight: true, skip_queue: true });
    const hold = created.body.transaction_id;
    const partial = await l.put(hold, { status: 'commit', amount: 100.25, skip_queue: true });
    assert.equal(partial.status, 200, partial.text);
    assert.equal(partial.body.precise_amount, 10025);
    assert.equal((await l.get(source)).inflight_debit_balance, 20025);
    const rest = await l.put(hold, { status: 'commit', skip_queue: true });
    assert.equal(rest.status, 200, rest.text);
    assert.equal(rest.body.precise_amount, 20025);
    const s = await l.get(source);
    assert.equal(s.inflight_debit_balance, 0);
    assert.equal(s.debit_balance, 30050);
    assert.equal((await l.get(destination)).inflight_credit_balance, 0);
  });

  test('34: committing more than the hold is refused with Blnk message', async () => {
    const { hold } = await l.hold(10000);
    const res = await l.put(hold, { status: 'commit', precise_amount: 20000, skip_queue: true });
    assert.equal(res.status, 400);
    assert.equal(res.body.error_detail.code, 'TXN_COMMIT_AMOUNT_EXCEEDED');
    assert.equal(
      res.body.error,
      'cannot commit more than the original transaction amount. Original: USD10000.00, Requested: USD20000.00',
    );
    await l.put(hold, { status: 'commit', precise_amount: 4000, skip_queue: true });
    const remaining = await l.put(hold, { status: 'commit', precise_amount: 7000, skip_queue: true });
    assert.equal(remaining.status, 400);
    assert.equal(
      remaining.body.error,
      'cannot commit more than the remaining amount. Available: USD6000.00, Requested: USD7000.00',
    );
  });

  test('35: a fully committed hold refuses commit and void', async () => {
    const { hold } = await l.hold(10000);
    assert.equal((await l.put(hold, { status: 'commit', skip_queue: true })).status, 200);
    const commit = await l.put(hold, { status: 'commit', skip_queue: true });
    assert.equal(commit.status, 409);
    assert.equal(commit.body.error_detail.code, 'TXN_ALREADY_COMMITTED');
    assert.equal(commit.body.error, 'cannot commit. Transaction already committed');
    const voided = await l.put(hold, { status: 'void', skip_queue: true });
    assert.equal(voided.status, 409);
    assert.equal(voided.body.error_detail.code, 'TXN_ALREADY_COMMITTED');
    assert.equal(voided.body.error, 'cannot void. Transaction already committed');
  });

  test('36: a void releases what was not committed', async () => {
    const { source, destination, hold } = await l.hold(10000);
    await l.put(hold, { status: 'commit', precise_amount: 3000, skip_queue: true });
    const res = await l.put(hold, { status: 'void', skip_queue: true });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.status, 'VOID');
    assert.equal(res.body.precise_amount, 7000);
    assert.equal(res.body.parent_transaction, hold);
    const s = await l.get(source);
    assert.equal(s.inflight_debit_balance, 0);
    assert.equal(s.debit_balance, 3000);
    assert.equal(s.balance, 7000);
    const d = await l.get(destination);
    assert.equal(d.inflight_credit_balance, 0);
    assert.equal(d.credit_balance, 3000);
  });

  test('37: a voided hold refuses a commit', async () => {
    const { hold } = await l.hold(10000);
    assert.equal((await l.put(hold, { status: 'void', skip_queue: true })).status, 200);
    for (const status of ['commit', 'void']) {
      const res = await l.put(hold, { status, skip_queue: true });
      assert.equal(res.status, 409);
      assert.equal(res.body.error_detail.code, 'TXN_ALREADY_VOIDED');
      assert.equal(res.body.error, 'transaction has already been voided');
    }
  });

  test('38-40: bad status, bad precise_amount, unknown id', async () => {
    const { hold } = await l.hold(100);
    const explode = await l.put(hold, { status: 'explode' });
    assert.equal(explode.status, 400);
    assert.equal(explode.body.error_detail.code, 'TXN_INVALID_STATUS_ACTION');
    assert.equal(explode.body.error, 'status not supported. use either commit or void');
    for (const precise_amount of [0, -5]) {
      for (const status of ['commit', 'void']) {
        const res = await l.put(hold, { status, precise_amount });
        assert.equal(res.status, 400);
        assert.equal(res.body.error_detail.code, 'TXN_INVALID_AMOUNT');
        assert.equal(res.body.error, 'precise_amount must be positive');
      }
    }
    const unknown = await l.put('txn_unknown', { status: 'commit' });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error_detail.code, 'TXN_NOT_FOUND');
    const malformed = await kassa.http.put(`/transactions/inflight/${hold}`, '{"status":');
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.error_detail.code, 'GEN_MALFORMED_REQUEST');
  });

  test('a settled transaction is not a hold', async () => {
    const source = await l.balance();
    await l.fund(source, 100);
    const applied = await l.transfer({ precise_amount: 100, source, destination: await l.balance(), skip_queue: true });
    const res = await l.put(applied.body.transaction_id, { status: 'commit', skip_queue: true });
    assert.equal(res.status, 400);
    assert.equal(res.body.error_detail.code, 'TXN_NOT_INFLIGHT');
  });

  test('a queued commit is settled by the worker with a deterministic reference', async () => {
    const { source, hold } = await l.hold(10000);
    const res = await l.put(hold, { status: 'commit', precise_amount: 2500 });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.queued, true);
    assert.equal(res.body.status, 'INFLIGHT');
    assert.equal(res.body.transaction_id, hold);
    const [child] = await eventually('the commit child', async () => {
      const children = await l.children(hold);
      return children.length > 0 ? children : undefined;
    });
    assert.equal(child.status, 'APPLIED');
    assert.equal(child.precise_amount, 2500);
    assert.match(child.reference, new RegExp(`^${hold}_commit_act_[0-9a-f-]{36}$`));
    const s = await l.get(source);
    assert.equal(s.debit_balance, 2500);
    assert.equal(s.inflight_debit_balance, 7500);
    const voided = await l.put(hold, { status: 'void' });
    assert.equal(voided.status, 200, voided.text);
    await eventually('the void', async () => ((await l.get(source)).inflight_debit_balance === 0 ? true : undefined));
    assert.equal((await l.get(source)).balance, 7500);
  });

  test('a queued commit is refused at once when it cannot succeed', async () => {
    const { hold } = await l.hold(1000);
    const res = await l.put(hold, { status: 'commit', precise_amount: 5000 });
    assert.equal(res.status, 400);
    assert.equal(res.body.error_detail.code, 'TXN_COMMIT_AMOUNT_EXCEEDED');
  });

  test('42: the id returned by a queued create can be committed, and remaining spans the group', async () => {
    const source = await l.balance();
    const destination = await l.balance();
    await l.fund(source, 10000);
    const created = await l.transfer({ precise_amount: 10000, source, destination, inflight: true });
    assert.equal(created.status, 201, created.text);
    const queuedId = created.body.transaction_id;
    const outcome = await eventually('the hold', async () => {
      const res = await kassa.http.get(`/transactions/reference/${created.body.reference}_q`);
      return res.status === 200 ? res.body : undefined;
    });
    assert.equal(outcome.status, 'INFLIGHT');
    const partial = await l.put(queuedId, { status: 'commit', precise_amount: 3000, skip_queue: true });
    assert.equal(partial.status, 200, partial.text);
    assert.equal(partial.body.parent_transaction, outcome.transaction_id);
    // Voiding by the hold's own id sees the commit made through the queued id.
    const voided = await l.put(outcome.transaction_id, { status: 'void', skip_queue: true });
    assert.equal(voided.status, 200, voided.text);
    assert.equal(voided.body.precise_amount, 7000);
    const s = await l.get(source);
    assert.equal(s.balance, 7000);
    assert.equal(s.inflight_debit_balance, 0);
  });

  test('a queued commit of a hold not yet applied waits for it', async () => {
    const source = await l.balance();
    const destination = await l.balance();
    await l.fund(source, 5000);
    const created = await l.transfer({ precise_amount: 5000, source, destination, inflight: true });
    const res = await l.put(created.body.transaction_id, { status: 'commit' });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.queued, true);
    await eventually('the commit', async () => ((await l.get(destination)).credit_balance === 5000 ? true : undefined));
    assert.equal((await l.get(destination)).inflight_credit_balance, 0);
  });

  test('43: an expiry date voids the hold', async () => {
    const { source, destination, hold } = await l.hold(4000, {
      inflight_expiry_date: new Date(Date.now() + 1500).toISOString(),
    });
    assert.equal((await l.get(source)).inflight_debit_balance, 4000);
    const [child] = await eventually('the expiry void', async () => {
      const children = await l.children(hold);
      return children.length > 0 ? children : undefined;
    });
    assert.equal(child.status, 'VOID');
    assert.equal(child.precise_amount, 4000);
    assert.equal((await l.get(source)).inflight_debit_balance, 0);
    assert.equal((await l.get(source)).balance, 4000);
    assert.equal((await l.get(destination)).inflight_credit_balance, 0);
  });

  test('a commit date commits what remains of the hold', async () => {
    const { source, destination, hold } = await l.hold(9000, {
      inflight_commit_date: new Date(Date.now() + 2000).toISOString(),
    });
    await l.put(hold, { status: 'commit', precise_amount: 1000, skip_queue: true });
    await eventually('the automatic commit', async () => ((await l.get(destination)).credit_balance === 9000 ? true : undefined));
    const children = await l.children(hold);
    assert.deepEqual(children.map((c) => c.precise_amount).sort(), [1000, 8000]);
    assert.equal((await l.get(source)).inflight_debit_balance, 0);
  });

  test('a deadline of a queued create counts what was settled through any id', async () => {
    const source = await l.balance();
    const destination = await l.balance();
    await l.fund(source, 6000);
    const created = await l.transfer({
      precise_amount: 6000,
      source,
      destination,
      inflight: true,
      inflight_expiry_date: new Date(Date.now() + 2500).toISOString(),
    });
    const outcome = await eventually('the hold', async () => {
      const res = await kassa.http.get(`/transactions/reference/${created.body.reference}_q`);
      return res.status === 200 ? res.body : undefined;
    });
    await l.put(outcome.transaction_id, { status: 'commit', precise_amount: 2000, skip_queue: true });
    await eventually('the expiry', async () => ((await l.get(source)).inflight_debit_balance === 0 ? true : undefined));
    const d = await l.get(destination);
    assert.equal(d.credit_balance, 2000);
    assert.equal((await l.get(source)).balance, 4000);
  });

  test('commit and void children carry the hold effective date', async () => {
    const effective_date = new Date(Date.now() - 24 * 3_600_000).toISOString();
    const { destination, hold, body } = await l.hold(800, { effective_date });
    const commit = await l.put(hold, { status: 'commit', precise_amount: 300, skip_queue: true });
    const voided = await l.put(hold, { status: 'void', skip_queue: true });
    for (const child of [commit.body, voided.body]) {
      assert.equal(Date.parse(child.effective_date), Date.parse(body.effective_date));
      assert.equal(Date.parse(child.effective_date), Date.parse(effective_date));
    }
    const halfDayAgo = new Date(Date.now() - 12 * 3_600_000).toISOString();
    const history = await kassa.http.get(`/balances/${destination}/at?timestamp=${halfDayAgo}&from_source=true`);
    assert.equal(history.body.balance.balance, 300);
  });

  test('55: bulk void reports each id', async () => {
    const { hold } = await l.hold(100);
    const body = { transaction_ids: [hold, 'txn_unknown'], skip_queue: true };
    const first = await kassa.http.post('/transactions/inflight/bulk/void', body);
    assert.equal(first.status, 200, first.text);
    assert.equal(first.body.succeeded, 1);
    assert.equal(first.body.failed, 1);
    assert.deepEqual(first.body.results[0], { transaction_id: hold, status: 'succeeded' });
    assert.equal(first.body.results[1].transaction_id, 'txn_unknown');
    assert.equal(first.body.results[1].status, 'failed');
    assert.equal(first.body.results[1].code, 'NOT_FOUND');
    const again = await kassa.http.post('/transactions/inflight/bulk/void', body);
    assert.equal(again.body.results[0].code, 'ALREADY_VOIDED');
    assert.equal(again.body.succeeded, 0);
  });

  test('bulk commit settles each item with its own amount', async () => {
    const a = await l.hold(1000);
    const b = await l.hold(2000);
    const res = await kassa.http.post('/transactions/inflight/bulk/commit', {
      transactions: [
        { transaction_id: a.hold, precise_amount: 400 },
        { transaction_id: b.hold },
        { transaction_id: a.hold, precise_amount: 900 },
      ],
      skip_queue: true,
    });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(
      res.body.results.map((r: Record<string, unknown>) => r.code ?? r.status),
      ['succeeded', 'succeeded', 'INVALID_AMOUNT'],
    );
    assert.equal((await l.get(a.destination)).credit_balance, 400);
    assert.equal((await l.get(b.destination)).credit_balance, 2000);
  });

  test('bulk limits', async () => {
    const empty = await kassa.http.post('/transactions/inflight/bulk/commit', { transactions: [] });
    assert.equal(empty.status, 400);
    assert.equal(empty.body.error_detail.code, 'TXN_BULK_EMPTY');
    assert.equal(empty.body.error, 'transactions cannot be empty');
    const emptyVoid = await kassa.http.post('/transactions/inflight/bulk/void', {});
    assert.equal(emptyVoid.body.error, 'transaction_ids cannot be empty');
    const ids = Array.from({ length: 101 }, (_, i) => `txn_${i}`);
    const tooMany = await kassa.http.post('/transactions/inflight/bulk/void', { transaction_ids: ids });
    assert.equal(tooMany.status, 400);
    assert.equal(tooMany.body.error_detail.code, 'TXN_BULK_LIMIT_EXCEEDED');
    assert.equal(tooMany.body.error, 'too many transaction_ids; max is 100');
    const tooManyCommits = await kassa.http.post('/transactions/inflight/bulk/commit', {
      transactions: ids.map((transaction_id) => ({ transaction_id })),
    });
    assert.equal(tooManyCommits.body.error, 'too many transactions; max is 100');
  });

  test('commit and void emit transaction.applied and transaction.void, and reach the hooks', async () => {
    await kassa.server.db.query(
      `INSERT INTO hooks (id, name, url, type, active, timeout, retry_count)
       VALUES ('hook_inflight_pre', 'pre', 'http://127.0.0.1:9/pre', 'PRE_TRANSACTION', true, 1, 0),
              ('hook_inflight_post', 'post', 'http://127.0.0.1:9/post', 'POST_TRANSACTION', true, 1, 0)`,
    );
    const { hold } = await l.hold(1000);
    const commit = await l.put(hold, { status: 'commit', precise_amount: 600, skip_queue: true });
    const voided = await l.put(hold, { status: 'void', skip_queue: true });
    const events = await kassa.server.db.query<{ event: string; id: string }>(
      `SELECT event, payload ->> 'transaction_id' AS id FROM outbox_events WHERE payload ->> 'parent_transaction' = $1 ORDER BY seq`,
      [hold],
    );
    assert.deepEqual(events, [
      { event: 'transaction.applied', id: commit.body.transaction_id },
      { event: 'transaction.void', id: voided.body.transaction_id },
    ]);
    const deliveries = await kassa.server.db.query<{ hook_id: string; status: string }>(
      `SELECT hook_id, payload -> 'data' ->> 'status' AS status FROM hook_deliveries
       WHERE transaction_id = ANY($1::text[]) ORDER BY hook_id, status`,
      [[commit.body.transaction_id, voided.body.transaction_id]],
    );
    await kassa.server.db.query(`UPDATE hooks SET active = false WHERE id LIKE 'hook_inflight_%'`);
    assert.deepEqual(deliveries, [
      { hook_id: 'hook_inflight_post', status: 'APPLIED' },
      { hook_id: 'hook_inflight_post', status: 'VOID' },
      { hook_id: 'hook_inflight_pre', status: 'APPLIED' },
      { hook_id: 'hook_inflight_pre', status: 'VOID' },
    ]);
  });

  test('concurrent commits and voids never settle more than the hold', async () => {
    const { source, destination, hold } = await l.hold(10000);
    const requests = Array.from({ length: 24 }, (_, i) =>
      i % 8 === 7
        ? l.put(hold, { status: 'void', skip_queue: true })
        : l.put(hold, { status: 'commit', precise_amount: 1000, skip_queue: true }),
    );
    const answers = await Promise.all(requests);
    for (const answer of answers) assert.ok([200, 400, 409, 423].includes(answer.status), answer.text);
    const settled = answers.filter((a) => a.status === 200).map((a) => a.body);
    const total = settled.reduce((sum, row) => sum + Number(row.precise_amount), 0);
    assert.ok(settled.length >= 1);
    const committed = settled.filter((row) => row.status === 'APPLIED').length * 1000;
    const voids = settled.filter((row) => row.status === 'VOID');
    assert.ok(voids.length <= 1);
    // Either everything was committed, or a void released exactly what was left.
    assert.equal(total, voids.length === 1 ? 10000 : committed);
    assert.ok(committed <= 10000);
    const s = await l.get(source);
    const d = await l.get(destination);
    assert.equal(s.debit_balance, committed);
    assert.equal(d.credit_balance, committed);
    assert.equal(s.inflight_debit_balance, 10000 - total);
    assert.equal(d.inflight_credit_balance, 10000 - total);
    assert.equal(s.balance, 10000 - committed);
  });

  test('concurrent queued commits of one hold: one queued, the rest refused', async () => {
    const { source, hold } = await l.hold(5000);
    const answers = await Promise.all(Array.from({ length: 10 }, () => l.put(hold, { status: 'commit', precise_amount: 5000 })));
    const accepted = answers.filter((a) => a.status === 200);
    assert.ok(accepted.length >= 1);
    for (const answer of answers.filter((a) => a.status !== 200)) assert.equal(answer.status, 409, answer.text);
    await eventually('the commit', async () => ((await l.get(source)).inflight_debit_balance === 0 ? true : undefined));
    assert.equal((await l.get(source)).debit_balance, 5000);
    assert.equal((await l.children(hold)).length, 1);
  });
});

describe('inflight without a worker', () => {
  let kassa: TestKassa;
  let l: ReturnType<typeof ledgerOf>;

  before(async () => {
    kassa = await startKassa({ env: { KASSA_WORKER_ENABLED: 'false' } });
    l = ledgerOf(kassa);
  });
  after(() => kassa.close());

  test('41: a second queued action for the same hold is 409 while the first waits', async () => {
    const { hold } = await l.hold(10000);
    const first = await l.put(hold, { status: 'commit' });
    assert.equal(first.status, 200, first.text);
    assert.equal(first.body.queued, true);
    assert.equal(first.body.status, 'INFLIGHT');
    const second = await l.put(hold, { status: 'commit' });
    assert.equal(second.status, 409);
    assert.equal(second.body.error_detail.code, 'GEN_CONFLICT');
    assert.equal(second.body.error, 'a commit or void is already queued for this transaction');
    // A direct action is not blocked by the queued one.
    assert.equal((await l.put(hold, { status: 'void', skip_queue: true })).status, 200);
  });

  test('queued bulk commit answers QUEUED, then ALREADY_QUEUED', async () => {
    const { hold } = await l.hold(100);
    const body = { transactions: [{ transaction_id: hold }, { transaction_id: 'txn_unknown' }] };
    const first = await kassa.http.post('/transactions/inflight/bulk/commit', body);
    assert.equal(first.status, 200, first.text);
    assert.deepEqual(first.body.results[0], { transaction_id: hold, status: 'queued', code: 'QUEUED' });
    assert.equal(first.body.results[1].code, 'NOT_FOUND');
    assert.equal(first.body.succeeded, 1);
    assert.equal(first.body.failed, 1);
    const again = await kassa.http.post('/transactions/inflight/bulk/commit', body);
    assert.deepEqual(again.body.results[0], { transaction_id: hold, status: 'queued', code: 'ALREADY_QUEUED' });
  });

  test('the id of a queued create, not yet applied, answers as a queued hold', async () => {
    const source = await l.balance();
    await l.fund(source, 100);
    const created = await l.transfer({ precise_amount: 100, source, destination: await l.balance(), inflight: true });
    assert.equal(created.body.status, 'QUEUED');
    const res = await l.put(created.body.transaction_id, { status: 'void' });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.status, 'QUEUED');
    assert.equal(res.body.inflight, true);
    assert.equal(res.body.queued, true);
    const direct = await l.put(created.body.transaction_id, { status: 'void', skip_queue: true });
    assert.equal(direct.status, 400);
    assert.equal(direct.body.error_detail.code, 'TXN_NOT_INFLIGHT');
  });
});
