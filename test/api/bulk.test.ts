// POST /transactions/bulk (blnk-contract.md ledger §7, behaviours 49-54): validation, queued and skip_queue
// batches, atomic all-or-nothing on both paths, run_async, and whole-batch commit, void and refund.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startKassa, type TestKassa } from '../support/kassa.js';
import { eventually } from '../support/invariants.js';

const ref = (prefix = 'b') => `${prefix}-${randomUUID()}`;
const ROLLED_BACK = 'All transactions in this batch have been rolled back: none was applied.';

describe('bulk transactions', () => {
  let kassa: TestKassa;
  let ledger_id: string;
  before(async () => {
    kassa = await startKassa();
    ledger_id = (await kassa.http.post('/ledgers', { name: 'bulk' })).body.ledger_id;
  });
  after(() => kassa.close());

  const balance = async () => (await kassa.http.post('/balances', { ledger_id, currency: 'USD' })).body.balance_id as string;
  const read = async (id: string) => (await kassa.http.get(`/balances/${id}`)).body;
  const byReference = (reference: string) => kassa.http.get(`/transactions/reference/${reference}`);
  const outcome = (reference: string) =>
    eventually(async () => {
      const res = await byReference(`${reference}_q`);
      return res.status === 200 ? res.body : undefined;
    });
  const funded = async (precise_amount: number) => {
    const id = await balance();
    const res = await kassa.http.post('/transactions', {
      precise_amount,
      currency: 'USD',
      reference: ref('fund'),
      description: 'fund',
      source: '@World',
      destination: id,
      allow_overdraft: true,
      skip_queue: true,
    });
    assert.equal(res.status, 201, res.text);
    return id;
  };
  const item = (source: string, destination: string, precise_amount: number, extra: Record<string, unknown> = {}) => ({
    precise_amount,
    currency: 'USD',
    reference: ref('item'),
    description: 'bulk item',
    source,
    destination,
    ...extra,
  });
  const bulk = (body: Record<string, unknown>) => kassa.http.post('/transactions/bulk', body);

  test('49: a skip_queue batch of three applies each item under the batch id, sequence 1..3', async () => {
    const pairs = await Promise.all([1, 2, 3].map(async () => [await funded(1000), await balance()]));
    const items = pairs.map(([s, d], i) => item(s, d, 100 * (i + 1), { meta_data: { mine: i } }));
    const res = await bulk({ transactions: items, skip_queue: true });
    assert.equal(res.status, 201, res.text);
    assert.match(res.body.batch_id, /^bulk_[0-9a-f-]{36}$/);
    assert.deepEqual(res.body, { batch_id: res.body.batch_id, status: 'applied', transaction_count: 3 });
    for (const [i, it] of items.entries()) {
      const row = (await byReference(it.reference)).body;
      assert.equal(row.status, 'APPLIED');
      assert.equal(row.parent_transaction, res.body.batch_id);
      assert.equal(row.meta_data.sequence, i + 1);
      assert.equal(row.meta_data.mine, i);
      assert.equal((await read(pairs[i][1])).balance, 100 * (i + 1));
    }
  });

  test('50: empty, too many, an invalid item and a null item are refused; nothing is processed', async () => {
    const [s, d] = [await funded(1000), await balance()];
    for (const body of [{ transactions: [] }, {}, { transactions: null }]) {
      const res = await bulk(body);
      assert.equal(res.status, 400);
      assert.equal(res.body.error_detail.code, 'TXN_BULK_EMPTY');
      assert.equal(res.body.error, 'transactions cannot be empty');
    }
    const many = Array.from({ length: 10_001 }, () => ({ precise_amount: 1 }));
    const tooMany = await bulk({ transactions: many });
    assert.equal(tooMany.status, 400);
    assert.equal(tooMany.body.error_detail.code, 'TXN_BULK_LIMIT_EXCEEDED');
    assert.equal(tooMany.body.error_detail.message, 'too many transactions; max is 10000');

    const good = item(s, d, 10);
    const invalid = await bulk({ transactions: [good, { ...item(s, d, 10), description: '' }], skip_queue: true });
    assert.equal(invalid.status, 400);
    assert.equal(invalid.body.error_detail.code, 'TXN_VALIDATION_ERROR');
    assert.equal(invalid.body.error_detail.message, 'transactions[1]: description: cannot be blank.');
    assert.deepEqual(invalid.body.error_detail.details, { index: 1 });
    const nullItem = await bulk({ transactions: [good, null] });
    assert.equal(nullItem.status, 400);
    assert.equal(nullItem.body.error_detail.code, 'TXN_VALIDATION_ERROR');
    assert.match(nullItem.body.error_detail.message, /^transactions\[1\]: /);
    const overSplit = await bulk({
      transactions: [{ ...item(s, d, 10), destination: undefined, destinations: [{ identifier: d, distribution: '120%' }] }],
    });
    assert.equal(overSplit.status, 400);
    assert.match(overSplit.body.error_detail.message, /^transactions\[0\]: failed to split transaction/);
    const malformed = await bulk({ transactions: [good], atomic: 'yes' });
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.error_detail.code, 'GEN_MALFORMED_REQUEST');
    assert.equal((await byReference(good.reference)).status, 404);
    assert.equal((await read(s)).balance, 1000);
  });

  test('51: skip_queue non-atomic stops at the failing item; earlier items stay applied', async () => {
    const [rich, poor, d] = [await funded(1000), await balance(), await balance()];
    const items = [item(rich, d, 300), item(poor, d, 50), item(rich, d, 200)];
    const res = await bulk({ transactions: items, skip_queue: true });
    assert.equal(res.status, 400);
    assert.equal(res.body.error_detail.code, 'TXN_INSUFFICIENT_FUNDS');
    assert.match(res.body.batch_id, /^bulk_/);
    assert.deepEqual(res.body.error_detail.details, { batch_id: res.body.batch_id });
    assert.equal(res.body.error, res.body.error_detail.message);
    assert.equal(
      res.body.error,
      `failed to queue transaction 2 (Reference: ${items[1].reference}, Source: ${poor}, Destination: ${d}, Amount: 50.00): ` +
        'failed to apply transaction to balances: insufficient funds in source balance. Previous transactions were not rolled back.',
    );
    assert.equal((await byReference(items[0].reference)).body.status, 'APPLIED');
    assert.equal((await byReference(items[2].reference)).status, 404);
    assert.equal((await read(d)).balance, 300);
  });

  test('skip_queue non-atomic stops at the first failing item even when a later one fails differently', async () => {
    const [rich, poor, d] = [await funded(1000), await balance(), await balance()];
    const items = [item(rich, d, 100), item(rich, d, 200), item(poor, d, 50), item(rich, 'bln_unknown', 1), item(rich, d, 1)];
    const res = await bulk({ transactions: items, skip_queue: true });
    assert.equal(res.status, 400);
    assert.equal(res.body.error_detail.code, 'TXN_INSUFFICIENT_FUNDS');
    assert.match(res.body.error, /^failed to queue transaction 3 /);
    assert.equal((await byReference(items[1].reference)).body.status, 'APPLIED');
    for (const it of items.slice(2)) assert.equal((await byReference(it.reference)).status, 404);
    assert.equal((await read(d)).balance, 300);
  });

  test('52 (deviation): skip_queue atomic rolls the whole batch back in the database', async () => {
    const [rich, poor, d] = [await funded(1000), await balance(), await balance()];
    const items = [item(rich, d, 300), item(poor, d, 50), item(rich, d, 200)];
    const res = await bulk({ transactions: items, skip_queue: true, atomic: true });
    assert.equal(res.status, 400);
    assert.equal(res.body.error_detail.code, 'TXN_INSUFFICIENT_FUNDS');
    assert.ok(res.body.error.startsWith('failed to queue transaction 2 (Reference: '), res.body.error);
    assert.ok(res.body.error.endsWith(ROLLED_BACK), res.body.error);
    for (const it of items) assert.equal((await byReference(it.reference)).status, 404);
    assert.equal((await read(rich)).balance, 1000);
    assert.equal((await read(d)).balance, 0);

    const ok = await bulk({ transactions: [item(rich, d, 300), item(rich, d, 700)], skip_queue: true, atomic: true });
    assert.equal(ok.status, 201, ok.text);
    assert.equal((await read(rich)).balance, 0);
    assert.equal((await read(d)).balance, 1000);
  });

  test('failure status follows Blnk: unknown balance 404, taken reference 409', async () => {
    const [s, d] = [await funded(1000), await balance()];
    for (const skip_queue of [true, false]) {
      const unknown = await bulk({ transactions: [item(s, d, 1), item(s, 'bln_unknown', 1)], skip_queue });
      assert.equal(unknown.status, 404, unknown.text);
      assert.equal(unknown.body.error_detail.code, 'TXN_NOT_FOUND');
      assert.match(unknown.body.error, /^failed to queue transaction 2 .*: balance with ID 'bln_unknown' not found\. Previous/);
      const taken = item(s, d, 1);
      const duplicate = await bulk({ transactions: [taken, { ...item(s, d, 1), reference: taken.reference }], skip_queue });
      assert.equal(duplicate.status, 409, duplicate.text);
      assert.equal(duplicate.body.error_detail.code, 'TXN_DUPLICATE_REFERENCE');
      // The first item was recorded before the second failed (non-atomic).
      assert.equal((await byReference(taken.reference)).status, 200);
    }
  });

  test('queued non-atomic: QUEUED rows under the batch, each with its <ref>_q outcome', async () => {
    const [s, d] = [await funded(1000), await balance()];
    const items = [item(s, d, 100), item(s, d, 200)];
    const res = await bulk({ transactions: items });
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(res.body, { batch_id: res.body.batch_id, status: 'applied', transaction_count: 2 });
    for (const [i, it] of items.entries()) {
      const row = (await byReference(it.reference)).body;
      assert.equal(row.status, 'QUEUED');
      assert.equal(row.parent_transaction, res.body.batch_id);
      assert.equal(row.meta_data.QUEUED_PARENT_TRANSACTION, res.body.batch_id);
      assert.equal(row.meta_data.sequence, i + 1);
      const done = await outcome(it.reference);
      assert.equal(done.status, 'APPLIED');
      assert.equal(done.parent_transaction, row.transaction_id);
    }
    assert.equal((await read(d)).balance, 300);
  });

  test('queued atomic: one item lacking funds rejects every item, balances untouched; a good batch applies whole', async () => {
    const [rich, poor, d] = [await funded(1000), await balance(), await balance()];
    const items = [item(rich, d, 300), item(poor, d, 50), item(rich, d, 200)];
    const res = await bulk({ transactions: items, atomic: true });
    assert.equal(res.status, 201, res.text);
    for (const it of items) {
      const done = await outcome(it.reference);
      assert.equal(done.status, 'REJECTED');
      assert.match(done.meta_data.blnk_rejection_reason, /insufficient funds/);
    }
    assert.equal((await read(rich)).balance, 1000);
    assert.equal((await read(d)).balance, 0);

    const good = [item(rich, d, 300), item(rich, d, 700)];
    assert.equal((await bulk({ transactions: good, atomic: true })).status, 201);
    for (const it of good) assert.equal((await outcome(it.reference)).status, 'APPLIED');
    assert.equal((await read(rich)).balance, 0);
    assert.equal((await read(d)).balance, 1000);
  });

  test('a queued atomic batch with a scheduled item applies whole when its latest item comes due', async () => {
    const [s, d] = [await funded(1000), await balance()];
    const scheduled_for = new Date(Date.now() + 5_000).toISOString().replace(/\.\d+Z$/, '+00:00');
    const items = [item(s, d, 10), item(s, d, 20, { scheduled_for })];
    const res = await bulk({ transactions: items, atomic: true });
    assert.equal(res.status, 201, res.text);
    assert.equal((await byReference(items[0].reference)).body.status, 'QUEUED');
    assert.equal((await byReference(items[1].reference)).body.status, 'SCHEDULED');
    // Not before the scheduled item is due: the first item waits for it.
    assert.equal((await byReference(`${items[0].reference}_q`)).status, 404);
    for (const it of items) assert.equal((await outcome(it.reference)).status, 'APPLIED');
    assert.equal((await read(d)).balance, 30);
  });

  test('queued atomic refused at acceptance writes nothing; non-atomic keeps the items before', async () => {
    const [s, d] = [await funded(1000), await balance()];
    const atomicItems = [item(s, d, 1), item(s, 'bln_unknown', 1)];
    const atomic = await bulk({ transactions: atomicItems, atomic: true });
    assert.equal(atomic.status, 404);
    assert.ok(atomic.body.error.endsWith(ROLLED_BACK));
    assert.equal((await byReference(atomicItems[0].reference)).status, 404);
    const looseItems = [item(s, d, 1), item(s, 'bln_unknown', 1)];
    const loose = await bulk({ transactions: looseItems });
    assert.equal(loose.status, 404);
    assert.ok(loose.body.error.endsWith('Previous transactions were not rolled back.'));
    assert.equal((await outcome(looseItems[0].reference)).status, 'APPLIED');
  });

  test('split items: legs under the batch, numbered as splits are', async () => {
    const [s, a, b] = [await funded(1000), await balance(), await balance()];
    const reference = ref('split');
    const res = await bulk({
      transactions: [
        {
          ...item(s, a, 100),
          reference,
          destination: undefined,
          destinations: [
            { identifier: a, distribution: '50%' },
            { identifier: b, distribution: 'left' },
          ],
        },
      ],
      skip_queue: true,
    });
    assert.equal(res.status, 201, res.text);
    for (const leg of [`${reference}-1`, `${reference}-2`]) {
      const row = (await byReference(leg)).body;
      assert.equal(row.parent_transaction, res.body.batch_id);
      assert.equal(row.meta_data.sequence, 1);
    }
    assert.equal((await read(a)).balance, 50);
    assert.equal((await read(b)).balance, 50);
  });

  test('53: run_async answers 202 processing, then every item is applied', async () => {
    const [s, d] = [await funded(1000), await balance()];
    for (const skip_queue of [true, false]) {
      const items = [item(s, d, 10), item(s, d, 20)];
      const res = await bulk({ transactions: items, run_async: true, skip_queue });
      assert.equal(res.status, 202, res.text);
      assert.deepEqual(res.body, {
        message: 'Bulk transaction processing started',
        batch_id: res.body.batch_id,
        status: 'processing',
      });
      for (const it of items) {
        const reference = skip_queue ? it.reference : `${it.reference}_q`;
        const row = await eventually(async () => {
          const found = await byReference(reference);
          return found.status === 200 ? found.body : undefined;
        });
        assert.equal(row.status, 'APPLIED');
        assert.equal(row.meta_data.QUEUED_PARENT_TRANSACTION ?? row.parent_transaction, res.body.batch_id);
      }
    }
    assert.equal((await read(d)).balance, 60);
  });

  test('GET /transactions/bulk/:id follows a run_async batch to its end, a failed one with its error', async () => {
    const [s, d] = [await funded(100), await balance()];
    const items = [item(s, d, 10), item(s, d, 20), item(s, d, 30)];
    const res = await bulk({ transactions: items, run_async: true, skip_queue: true });
    assert.equal(res.status, 202, res.text);
    const done = await eventually(async () => {
      const status = await kassa.http.get(`/transactions/bulk/${res.body.batch_id}`);
      assert.equal(status.status, 200, status.text);
      assert.ok(['processing', 'applied'].includes(status.body.status), status.text);
      return status.body.status === 'applied' ? status.body : undefined;
    });
    assert.equal(done.batch_id, res.body.batch_id);
    assert.equal(done.transaction_count, 3);
    assert.equal(done.recorded_count, 3);
    assert.equal(done.error, null);
    assert.ok(Date.parse(done.finished_at) >= Date.parse(done.created_at));

    const short = await bulk({
      transactions: [item(s, d, 1), item(s, d, 1000)],
      run_async: true,
      skip_queue: true,
      atomic: true,
    });
    assert.equal(short.status, 202, short.text);
    const failed = await eventually(async () => {
      const status = (await kassa.http.get(`/transactions/bulk/${short.body.batch_id}`)).body;
      return status.status === 'failed' ? status : undefined;
    });
    assert.equal(failed.transaction_count, 2);
    assert.match(failed.error, /insufficient funds/i);
    assert.equal((await read(d)).balance, 60);
  });

  test('GET /transactions/bulk/:id of an unknown batch is 404 TXN_NOT_FOUND', async () => {
    const res = await kassa.http.get(`/transactions/bulk/bulk_${randomUUID()}`);
    assert.equal(res.status, 404);
    assert.equal(res.body.error_detail.code, 'TXN_NOT_FOUND');
  });

  test('run_async answers 429 when 100 batches are already waiting', async () => {
    const ids = Array.from({ length: 100 }, () => `bulk_${randomUUID()}`);
    // Batches claimed elsewhere for an hour: they stay pending.
    await kassa.server.db.query(
      `INSERT INTO bulk_batches (batch_id, request, claim_token, claimed_until)
       SELECT id, '{}'::jsonb, 'elsewhere', now() + interval '1 hour' FROM unnest($1::text[]) AS id`,
      [ids],
    );
    const [s, d] = [await funded(10), await balance()];
    const res = await bulk({ transactions: [item(s, d, 1)], run_async: true });
    assert.equal(res.status, 429);
    assert.equal(res.body.error_detail.code, 'GEN_RATE_LIMITED');
    await kassa.server.db.query('DELETE FROM bulk_batches WHERE batch_id = ANY($1::text[])', [ids]);
    assert.equal((await bulk({ transactions: [item(s, d, 1)], run_async: true })).status, 202);
  });

  test('54: PUT /transactions/inflight/<batch_id> commits every hold of a skip_queue inflight batch', async () => {
    const [s, d1, d2] = [await funded(1000), await balance(), await balance()];
    const res = await bulk({ transactions: [item(s, d1, 100), item(s, d2, 200)], skip_queue: true, inflight: true });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.status, 'inflight');
    assert.equal((await read(s)).inflight_debit_balance, 300);
    const commit = await kassa.http.put(`/transactions/inflight/${res.body.batch_id}`, { status: 'commit', skip_queue: true });
    assert.equal(commit.status, 200, commit.text);
    assert.equal(commit.body.status, 'APPLIED');
    const source = await read(s);
    assert.equal(source.inflight_debit_balance, 0);
    assert.equal(source.balance, 700);
    assert.equal((await read(d1)).balance, 100);
    assert.equal((await read(d2)).balance, 200);
  });

  test('a queued inflight batch is voided whole by its batch id (queued void)', async () => {
    const [s, d1, d2] = [await funded(1000), await balance(), await balance()];
    const items = [item(s, d1, 100), item(s, d2, 200)];
    const res = await bulk({ transactions: items, inflight: true });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.status, 'inflight');
    for (const it of items) assert.equal((await outcome(it.reference)).status, 'INFLIGHT');
    const voided = await kassa.http.put(`/transactions/inflight/${res.body.batch_id}`, { status: 'void' });
    assert.equal(voided.status, 200, voided.text);
    assert.equal(voided.body.queued, true);
    await eventually(async () => ((await read(s)).inflight_debit_balance === 0 ? true : undefined));
    assert.equal((await read(s)).balance, 1000);
    assert.equal((await read(d1)).inflight_credit_balance, 0);
    assert.equal((await read(d2)).inflight_credit_balance, 0);
  });

  test('POST /refund-transaction/<batch_id> refunds every item of a batch (skip_queue and queued)', async () => {
    for (const skip_queue of [true, false]) {
      const [s, d] = [await funded(1000), await balance()];
      const items = [item(s, d, 100), item(s, d, 200)];
      const res = await bulk({ transactions: items, skip_queue });
      assert.equal(res.status, 201, res.text);
      if (!skip_queue) for (const it of items) assert.equal((await outcome(it.reference)).status, 'APPLIED');
      assert.equal((await read(d)).balance, 300);
      const refund = await kassa.http.post(`/refund-transaction/${res.body.batch_id}`, { skip_queue: true });
      assert.equal(refund.status, 201, refund.text);
      assert.equal((await read(s)).balance, 1000);
      assert.equal((await read(d)).balance, 0);
      const again = await kassa.http.post(`/refund-transaction/${res.body.batch_id}`, { skip_queue: true });
      assert.equal(again.status, 409);
    }
  });
});
