// Blnk's official TypeScript SDK drives inflight commit/void, bulk inflight, refunds and historical
// balances against Kassa, unchanged.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { BlnkInit } from '@blnkfinance/blnk-typescript';
import { startKassa, type TestKassa } from '../support/kassa.js';

type Row = Record<string, any>;

describe('Blnk TypeScript SDK: inflight, refunds, history', () => {
  let kassa: TestKassa;
  let blnk: Awaited<ReturnType<typeof BlnkInit>>;
  let ledger_id: string;

  const balance = async () =>
    ((await blnk.LedgerBalances.create({ ledger_id, currency: 'USD' })).data as Row).balance_id as string;
  const read = async (id: string) => (await blnk.LedgerBalances.get(id)).data as Row;
  const create = async (data: Record<string, unknown>) => {
    const res = await blnk.Transactions.create({
      currency: 'USD',
      precision: 1,
      reference: `sdk-${randomUUID()}`,
      description: 'sdk',
      ...data,
    } as never);
    assert.equal(res.status, 201, JSON.stringify(res));
    return res.data as Row;
  };
  const hold = async (precise_amount: number) => {
    const source = await balance();
    const destination = await balance();
    await create({ precise_amount, source: '@World', destination: source, allow_overdraft: true, skip_queue: true });
    const row = await create({ precise_amount, source, destination, inflight: true, skip_queue: true });
    assert.equal(row.status, 'INFLIGHT');
    return { source, destination, id: row.transaction_id as string };
  };

  before(async () => {
    kassa = await startKassa();
    // A generous timeout: the suite shares a small machine.
    blnk = await BlnkInit('', { baseUrl: kassa.url, timeout: 60_000, logger: { info() {}, error() {}, debug() {} } as never });
    ledger_id = ((await blnk.Ledgers.create({ name: 'SDK inflight' })).data as Row).ledger_id;
  });
  after(() => kassa.close());

  test('Transactions.updateStatus commits part of a hold, then voids the rest', async () => {
    const { source, destination, id } = await hold(10000);
    const commit = await blnk.Transactions.updateStatus(id, {
      status: 'commit',
      precise_amount: 2500,
      skip_queue: true,
    } as never);
    assert.equal(commit.status, 200, JSON.stringify(commit));
    assert.equal((commit.data as Row).status, 'APPLIED');
    const voided = await blnk.Transactions.updateStatus(id, { status: 'void', skip_queue: true } as never);
    assert.equal(voided.status, 200, JSON.stringify(voided));
    assert.equal((voided.data as Row).precise_amount, 7500);
    assert.equal((await read(source)).balance, 7500);
    assert.equal((await read(destination)).balance, 2500);
    const again = await blnk.Transactions.updateStatus(id, { status: 'commit', skip_queue: true } as never);
    assert.equal(again.status, 409);
  });

  test('Transactions.updateStatus queued commit is applied by the worker', async () => {
    const { destination, id } = await hold(400);
    const res = await blnk.Transactions.updateStatus(id, { status: 'commit' } as never);
    assert.equal(res.status, 200, JSON.stringify(res));
    assert.equal((res.data as Row).queued, true);
    for (let waited = 0; waited < 15_000 && (await read(destination)).balance !== 400; waited += 100) await sleep(100);
    assert.equal((await read(destination)).balance, 400);
  });

  test('Transactions.bulkVoidInflight and bulkCommitInflight', async () => {
    const a = await hold(100);
    const b = await hold(200);
    const voided = await blnk.Transactions.bulkVoidInflight({ transaction_ids: [a.id], skip_queue: true } as never);
    assert.equal(voided.status, 200, JSON.stringify(voided));
    assert.equal((voided.data as Row).succeeded, 1);
    const committed = await blnk.Transactions.bulkCommitInflight({
      transactions: [{ transaction_id: b.id, precise_amount: 50 }],
      skip_queue: true,
    } as never);
    assert.equal(committed.status, 200, JSON.stringify(committed));
    assert.equal((committed.data as Row).results[0].status, 'succeeded');
    assert.equal((await read(b.destination)).balance, 50);
  });

  test('Transactions.refund reverses an applied transaction', async () => {
    const source = await balance();
    const destination = await balance();
    const txn = await create({ precise_amount: 900, source: '@World', destination, allow_overdraft: true, skip_queue: true });
    const spent = await create({ precise_amount: 900, source: destination, destination: source, skip_queue: true });
    const refund = await blnk.Transactions.refund(spent.transaction_id, { skip_queue: true });
    assert.equal(refund.status, 201, JSON.stringify(refund));
    assert.equal((refund.data as Row).reference, `${spent.transaction_id}_refund`);
    assert.equal((await read(destination)).balance, 900);
    const queued = await blnk.Transactions.refund(txn.transaction_id);
    assert.equal(queued.status, 201, JSON.stringify(queued));
    assert.equal((queued.data as Row).status, 'QUEUED');
    const twice = await blnk.Transactions.refund(txn.transaction_id);
    assert.equal(twice.status, 409);
  });

  test('LedgerBalances.getAt and createSnapshot', async () => {
    const destination = await balance();
    await create({
      precise_amount: 300,
      source: '@World',
      destination,
      allow_overdraft: true,
      skip_queue: true,
      effective_date: new Date(Date.now() - 3_600_000),
    });
    const past = await blnk.LedgerBalances.getAt(destination, {
      timestamp: new Date(Date.now() - 7_200_000).toISOString(),
      from_source: true,
    } as never);
    assert.equal(past.status, 200, JSON.stringify(past));
    assert.equal((past.data as Row).balance.balance, 0);
    const now = await blnk.LedgerBalances.getAt(destination, { timestamp: new Date().toISOString(), from_source: true } as never);
    assert.equal((now.data as Row).balance.balance, 300);
    const snapshot = await blnk.LedgerBalances.createSnapshot({ batch_size: 100 } as never);
    assert.equal(snapshot.status, 200, JSON.stringify(snapshot));
  });
});
