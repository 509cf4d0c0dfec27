// Refunds (blnk-contract.md ledger §8.1, §13 behaviours 56-58).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { startKassa, type TestKassa } from '../support/kassa.js';

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

describe('refunds', () => {
  let kassa: TestKassa;
  let ledger_id: string;

  const balance = async () => (await kassa.http.post('/balances', { ledger_id, currency: 'USD' })).body.balance_id as string;
  const get = async (id: string) => (await kassa.http.get(`/balances/${id}`)).body;
  const transfer = (body: Record<string, unknown>) =>
    kassa.http.post('/transactions', {
      currency: 'USD',
      reference: `ref-${randomUUID()}`,
      description: 'refund test',
      ...body,
    });
  const fund = async (destination: string, precise_amount: number) => {
    const res = await transfer({ precise_amount, source: '@World', destination, allow_overdraft: true, skip_queue: true });
    assert.equal(res.status, 201, res.text);
  };
  /** S funded with 10000, then T: S -> D for 10000 (skip_queue). */
  const applied = async (extra: Record<string, unknown> = {}) => {
    const source = await balance();
    const destination = await balance();
    await fund(source, 10000);
    const res = await transfer({ precise_amount: 10000, source, destination, skip_queue: true, ...extra });
    assert.equal(res.status, 201, res.text);
    return { source, destination, txn: res.body };
  };

  before(async () => {
    kassa = await startKassa();
    ledger_id = (await kassa.http.post('/ledgers', { name: 'refunds' })).body.ledger_id;
  });
  after(() => kassa.close());

  test('56: a skip_queue refund reverses the transaction at once', async () => {
    const { source, destination, txn } = await applied({ meta_data: { order: 7 } });
    const res = await kassa.http.post(`/refund-transaction/${txn.transaction_id}`, { skip_queue: true });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.status, 'APPLIED');
    assert.equal(res.body.source, destination);
    assert.equal(res.body.destination, source);
    assert.equal(res.body.reference, `${txn.transaction_id}_refund`);
    assert.equal(res.body.parent_transaction, txn.transaction_id);
    assert.equal(res.body.precise_amount, 10000);
    assert.equal(res.body.description, 'refund test');
    assert.equal(res.body.meta_data.order, 7);
    assert.equal((await get(source)).balance, 10000);
    assert.equal((await get(destination)).balance, 0);
  });

  test('57: a second refund is 409, an unknown id 404', async () => {
    const { txn } = await applied();
    assert.equal((await kassa.http.post(`/refund-transaction/${txn.transaction_id}`, { skip_queue: true })).status, 201);
    const again = await kassa.http.post(`/refund-transaction/${txn.transaction_id}`, { skip_queue: true });
    assert.equal(again.status, 409);
    assert.equal(again.body.error_detail.code, 'GEN_CONFLICT');
    assert.equal(again.body.error, `transaction ${txn.transaction_id} has already been refunded`);
    const unknown = await kassa.http.post('/refund-transaction/txn_unknown', { skip_queue: true });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error_detail.code, 'TXN_NOT_FOUND');
    assert.equal(unknown.body.error, 'no transaction to refund');
  });

  test('58: a refund applies even when the receiver spent the money', async () => {
    const { destination, txn } = await applied();
    const spend = await transfer({ precise_amount: 10000, source: destination, destination: await balance(), skip_queue: true });
    assert.equal(spend.status, 201, spend.text);
    const res = await kassa.http.post(`/refund-transaction/${txn.transaction_id}`, { skip_queue: true });
    assert.equal(res.status, 201, res.text);
    assert.equal((await get(destination)).balance, -10000);
  });

  test('a refund takes its description and merges meta_data from the body', async () => {
    const { txn } = await applied({ meta_data: { order: 1, keep: 'yes' } });
    const res = await kassa.http.post(`/refund-transaction/${txn.transaction_id}`, {
      skip_queue: true,
      description: 'returned goods',
      meta_data: { order: 2, reason: 'damaged' },
    });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.description, 'returned goods');
    assert.deepEqual(
      { order: res.body.meta_data.order, keep: res.body.meta_data.keep, reason: res.body.meta_data.reason },
      { order: 2, keep: 'yes', reason: 'damaged' },
    );
    assert.equal(res.body.allow_overdraft, true);
  });

  test('a queued refund of a queued transaction reverses its outcome row', async () => {
    const source = await balance();
    const destination = await balance();
    await fund(source, 500);
    const created = await transfer({ precise_amount: 500, source, destination });
    assert.equal(created.status, 201, created.text);
    const outcome = await eventually('the outcome', async () => {
      const res = await kassa.http.get(`/transactions/reference/${created.body.reference}_q`);
      return res.status === 200 && res.body.status === 'APPLIED' ? res.body : undefined;
    });
    const res = await kassa.http.post(`/refund-transaction/${created.body.transaction_id}`);
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.status, 'QUEUED');
    assert.equal(res.body.reference, `${outcome.transaction_id}_refund`);
    assert.equal(res.body.parent_transaction, outcome.transaction_id);
    // The queued refund row already blocks a second refund.
    const again = await kassa.http.post(`/refund-transaction/${created.body.transaction_id}`);
    assert.equal(again.status, 409);
    const refunded = await eventually('the refund outcome', async () => {
      const r = await kassa.http.get(`/transactions/reference/${outcome.transaction_id}_refund_q`);
      return r.status === 200 ? r.body : undefined;
    });
    assert.equal(refunded.status, 'APPLIED');
    assert.equal((await get(source)).balance, 500);
    assert.equal((await get(destination)).balance, 0);
  });

  test('refunding a hold refunds what was committed of it', async () => {
    const source = await balance();
    const destination = await balance();
    await fund(source, 10000);
    const hold = await transfer({ precise_amount: 10000, source, destination, inflight: true, skip_queue: true });
    const id = hold.body.transaction_id;
    await kassa.http.put(`/transactions/inflight/${id}`, { status: 'commit', precise_amount: 3000, skip_queue: true });
    await kassa.http.put(`/transactions/inflight/${id}`, { status: 'void', skip_queue: true });
    const res = await kassa.http.post(`/refund-transaction/${id}`, { skip_queue: true });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.precise_amount, 3000);
    assert.equal((await get(source)).balance, 10000);
    assert.equal((await get(destination)).balance, 0);
    assert.equal((await kassa.http.post(`/refund-transaction/${id}`, { skip_queue: true })).status, 409);
  });

  test('concurrent refunds of one transaction: exactly one succeeds', async () => {
    const { source, destination, txn } = await applied();
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        kassa.http.post(`/refund-transaction/${txn.transaction_id}`, { skip_queue: i % 2 === 0 }),
      ),
    );
    assert.equal(answers.filter((a) => a.status === 201).length, 1, answers.map((a) => a.status).join(','));
    for (const answer of answers.filter((a) => a.status !== 201)) assert.equal(answer.status, 409, answer.text);
    await eventually('the refund', async () => ((await get(source)).balance === 10000 ? true : undefined));
    assert.equal((await get(destination)).balance, 0);
  });
});
