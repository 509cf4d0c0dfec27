// Blnk's official TypeScript SDK drives transactions against Kassa, unchanged.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { BlnkInit } from '@blnkfinance/blnk-typescript';
import { startKassa, type TestKassa } from '../support/kassa.js';
import { eventually } from '../support/invariants.js';

type Txn = {
  transaction_id: string;
  status: string;
  precise_amount: number | bigint;
  reference: string;
  parent_transaction: string;
};

describe('Blnk TypeScript SDK: transactions', () => {
  let kassa: TestKassa;
  let blnk: Awaited<ReturnType<typeof BlnkInit>>;
  let source: string;
  let destination: string;
  before(async () => {
    kassa = await startKassa();
    blnk = await BlnkInit('', { baseUrl: kassa.url, timeout: 60_000, logger: { info() {}, error() {}, debug() {} } as never });
    const ledger = (await blnk.Ledgers.create({ name: 'SDK transactions' })).data as { ledger_id: string };
    const balance = async () =>
      ((await blnk.LedgerBalances.create({ ledger_id: ledger.ledger_id, currency: 'USD' })).data as { balance_id: string })
        .balance_id;
    source = await balance();
    destination = await balance();
  });
  after(() => kassa.close());

  test('Transactions.create with skip_queue applies, get and getByReference read it back', async () => {
    const reference = `sdk-${randomUUID()}`;
    const created = await blnk.Transactions.create({
      amount: 750,
      precision: 100,
      reference,
      currency: 'USD',
      source: '@WorldSDK',
      destination,
      description: 'Sent from app',
      allow_overdraft: true,
      skip_queue: true,
      meta_data: { sender_name: 'John Doe' },
    });
    assert.equal(created.status, 201, JSON.stringify(created));
    const txn = created.data as Txn;
    assert.equal(txn.status, 'APPLIED');
    assert.equal(txn.precise_amount, 75000);
    const byId = await blnk.Transactions.get(txn.transaction_id);
    assert.equal(byId.status, 200);
    assert.equal((byId.data as Txn).reference, reference);
    const byReference = await blnk.Transactions.getByReference(reference);
    assert.equal((byReference.data as Txn).transaction_id, txn.transaction_id);
  });

  test('Transactions.create queued: QUEUED now, APPLIED <ref>_q later', async () => {
    const reference = `sdk-${randomUUID()}`;
    const created = await blnk.Transactions.create({
      amount: 1.25,
      precision: 100,
      reference,
      currency: 'USD',
      source: destination,
      destination: source,
      description: 'queued',
    });
    assert.equal(created.status, 201);
    const txn = created.data as Txn;
    assert.equal(txn.status, 'QUEUED');
    const outcome = await eventually(async () => {
      const res = await blnk.Transactions.getByReference(`${reference}_q`);
      return res.status === 200 ? (res.data as Txn) : undefined;
    });
    assert.equal(outcome.status, 'APPLIED');
    assert.equal(outcome.parent_transaction, txn.transaction_id);
  });

  test('a precise_amount past 2^53 sent as the SDK recommends (a string) is exact', async () => {
    const big = '123456789012345678901234567890';
    const created = await blnk.Transactions.create({
      precise_amount: big,
      precision: 100,
      reference: `sdk-${randomUUID()}`,
      currency: 'USD',
      source: '@WorldSDK',
      destination,
      description: 'big',
      allow_overdraft: true,
      skip_queue: true,
    });
    assert.equal(created.status, 201, JSON.stringify(created));
    const raw = await kassa.http.get(`/transactions/${(created.data as Txn).transaction_id}`);
    assert.equal(raw.body.precise_amount, BigInt(big));
  });

  test('the SDK surfaces Kassa errors with their codes', async () => {
    const refused = await blnk.Transactions.create({
      amount: 1_000_000,
      precision: 100,
      reference: `sdk-${randomUUID()}`,
      currency: 'USD',
      source,
      destination,
      description: 'too much',
      skip_queue: true,
    });
    assert.equal(refused.status, 400);
    assert.equal((refused as unknown as { error: { code: string } }).error.code, 'TXN_INSUFFICIENT_FUNDS');
  });

  test('Transactions.recoverQueue', async () => {
    const res = await blnk.Transactions.recoverQueue({ threshold: '24h' });
    assert.equal(res.status, 200);
    assert.deepEqual(res.data, { recovered: 0, threshold: '24h0m0s' });
  });
  test('Transactions.createBulk: a skip_queue batch applies, run_async answers processing', async () => {
    const items = [1, 2].map((i) => ({
      amount: i,
      precision: 100,
      reference: `sdk-bulk-${randomUUID()}`,
      currency: 'USD',
      source: '@WorldSDKBulk',
      destination,
      description: 'bulk from the SDK',
      allow_overdraft: true,
    }));
    const created = await blnk.Transactions.createBulk({ transactions: items, skip_queue: true, atomic: true });
    assert.equal(created.status, 201, JSON.stringify(created));
    const batch = created.data as { batch_id: string; status: string; transaction_count: number };
    assert.match(batch.batch_id, /^bulk_/);
    assert.equal(batch.status, 'applied');
    assert.equal(batch.transaction_count, 2);
    const row = await blnk.Transactions.getByReference(items[1].reference);
    assert.equal((row.data as Txn).parent_transaction, batch.batch_id);

    const later = [{ ...items[0], reference: `sdk-bulk-${randomUUID()}` }];
    const async = await blnk.Transactions.createBulk({ transactions: later, run_async: true, skip_queue: true });
    assert.equal(async.status, 202, JSON.stringify(async));
    assert.equal((async.data as { status: string }).status, 'processing');
    const applied = await eventually(async () => {
      const res = await blnk.Transactions.getByReference(later[0].reference);
      return res.status === 200 ? (res.data as Txn) : undefined;
    });
    assert.equal(applied.status, 'APPLIED');
  });
});
