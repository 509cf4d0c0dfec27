import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startKassa, type TestKassa } from '../support/kassa.js';

describe('split transactions', () => {
  let kassa: TestKassa;
  let ledger_id: string;
  before(async () => {
    kassa = await startKassa();
    ledger_id = (await kassa.http.post('/ledgers', { name: 'splits' })).body.ledger_id;
  });
  after(() => kassa.close());

  const balance = async () => (await kassa.http.post('/balances', { ledger_id, currency: 'USD' })).body.balance_id as string;
  const read = async (id: string) => (await kassa.http.get(`/balances/${id}`)).body;
  const funded = async (precise_amount: bigint) => {
    const id = await balance();
    const res = await kassa.http.post('/transactions', {
      precise_amount,
      currency: 'USD',
      reference: `fund-${randomUUID()}`,
      description: 'fund',
      source: '@World',
      destination: id,
      allow_overdraft: true,
      skip_queue: true,
    });
    assert.equal(res.status, 201);
    return id;
  };
  const split = (body: Record<string, unknown>) =>
    kassa.http.post('/transactions', { currency: 'USD', description: 'split', reference: `split-${randomUUID()}`, ...body });
  const eventually = async (path: string) => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const res = await kassa.http.get(path);
      if (res.status === 200 || Date.now() > deadline) return res;
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  test('30000.00 to 20%, 10000 and left credits 600000, 1000000, 1400000; legs carry ids; the parent is no row', async () => {
    const source = await funded(3_000_000n);
    const [a, b, c] = [await balance(), await balance(), await balance()];
    const reference = `split-${randomUUID()}`;
    const res = await split({
      reference,
      amount: 30000,
      precision: 100,
      source,
      destinations: [
        { identifier: a, distribution: '20%' },
        { identifier: b, distribution: '10000' },
        { identifier: c, distribution: 'left' },
      ],
      skip_queue: true,
    });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.status, 'APPLIED');
    assert.equal(res.body.precise_amount, 3_000_000);
    assert.equal((await read(a)).balance, 600_000);
    assert.equal((await read(b)).balance, 1_000_000);
    assert.equal((await read(c)).balance, 1_400_000);
    assert.equal((await read(source)).balance, 0);
    const ids = res.body.destinations.map((d: { transaction_id: string }) => d.transaction_id);
    for (const id of ids) assert.match(id, /^txn_/);
    assert.equal(new Set(ids).size, 3);
    assert.equal((await kassa.http.get(`/transactions/${res.body.transaction_id}`)).status, 404);
    const legs = await Promise.all(ids.map((id: string) => kassa.http.get(`/transactions/${id}`)));
    assert.deepEqual(
      legs.map((leg) => [leg.body.destination, leg.body.precise_amount, leg.body.reference, leg.body.parent_transaction]),
      [
        [a, 600_000, `${reference}-1`, res.body.transaction_id],
        [b, 1_000_000, `${reference}-2`, res.body.transaction_id],
        [c, 1_400_000, `${reference}-3`, res.body.transaction_id],
      ],
    );
  });

  test('10.01 split 50%/50% gives legs of 500 and 501', async () => {
    const source = await funded(1001n);
    const [a, b] = [await balance(), await balance()];
    const res = await split({
      amount: 10.01,
      precision: 100,
      source,
      destinations: [
        { identifier: a, distribution: '50%' },
        { identifier: b, distribution: '50%' },
      ],
      skip_queue: true,
    });
    assert.equal(res.status, 201, res.text);
    assert.deepEqual([(await read(a)).balance, (await read(b)).balance], [500, 501]);
  });

  test('120% and an oversized fixed share are refused with Blnk messages; repeated identifiers are refused', async () => {
    const source = await funded(10_000n);
    const [a, b] = [await balance(), await balance()];
    const over = await split({
      precise_amount: 1000,
      source,
      destinations: [
        { identifier: a, distribution: '60%' },
        { identifier: b, distribution: '60%' },
      ],
      skip_queue: true,
    });
    assert.equal(over.status, 400);
    assert.equal(over.body.error_detail.code, 'TXN_VALIDATION_ERROR');
    assert.match(over.body.error_detail.message, /total distributions exceed 100% or total amount/);
    const fixed = await split({
      amount: 10,
      precision: 100,
      source,
      destinations: [
        { identifier: a, distribution: '20' },
        { identifier: b, distribution: 'left' },
      ],
    });
    assert.equal(fixed.status, 400);
    assert.match(fixed.body.error_detail.message, /fixed amount exceeds remaining transaction amount/);
    const repeated = await split({
      precise_amount: 1000,
      source,
      destinations: [
        { identifier: a, distribution: '50%' },
        { identifier: a, distribution: '50%' },
      ],
      skip_queue: true,
    });
    assert.equal(repeated.status, 400);
    assert.equal(repeated.body.error_detail.code, 'TXN_VALIDATION_ERROR');
    assert.equal((await read(source)).balance, 10_000);
  });

  test('queued split legs are <ref>_1, <ref>_2 with outcomes <ref>_1_q, <ref>_2_q', async () => {
    const [s1, s2] = [await funded(700n), await funded(300n)];
    const destination = await balance();
    const reference = `qsplit-${randomUUID()}`;
    const res = await split({
      reference,
      precise_amount: 1000,
      destination,
      sources: [
        { identifier: s1, distribution: '70%' },
        { identifier: s2, distribution: 'left' },
      ],
    });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.status, 'QUEUED');
    const [leg1, leg2] = res.body.sources.map((s: { transaction_id: string }) => s.transaction_id);
    const q1 = await eventually(`/transactions/reference/${reference}_1_q`);
    const q2 = await eventually(`/transactions/reference/${reference}_2_q`);
    assert.equal(q1.body.status, 'APPLIED');
    assert.equal(q2.body.status, 'APPLIED');
    assert.equal(q1.body.parent_transaction, leg1);
    assert.equal(q2.body.parent_transaction, leg2);
    assert.equal(
      (await kassa.http.get(`/transactions/reference/${reference}_1`)).body.meta_data.QUEUED_PARENT_TRANSACTION,
      res.body.transaction_id,
    );
    assert.equal((await read(destination)).balance, 1000);
    assert.equal((await read(s1)).balance, 0);
    assert.equal((await read(s2)).balance, 0);
  });

  test('atomic skip_queue split: a failing leg leaves no balance change; non-atomic keeps the earlier legs', async () => {
    const [rich, poor] = [await funded(500n), await balance()];
    const destination = await balance();
    const body = (atomic: boolean) => ({
      precise_amount: 1000,
      destination,
      sources: [
        { identifier: rich, distribution: '50%' },
        { identifier: poor, distribution: 'left' },
      ],
      skip_queue: true,
      atomic,
    });
    const atomic = await split(body(true));
    assert.equal(atomic.status, 400);
    assert.equal(atomic.body.error_detail.code, 'TXN_INSUFFICIENT_FUNDS');
    assert.equal((await read(rich)).balance, 500);
    assert.equal((await read(destination)).balance, 0);
    const loose = await split(body(false));
    assert.equal(loose.status, 400);
    assert.equal((await read(rich)).balance, 0);
    assert.equal((await read(destination)).balance, 500);
  });
  test('queued atomic split: a leg lacking funds rejects every leg, no balance change; a good one applies all', async () => {
    const [rich, poor] = [await funded(500n), await balance()];
    const destination = await balance();
    const reference = `split-${randomUUID()}`;
    const body = (reference: string) => ({
      reference,
      precise_amount: 1000,
      destination,
      sources: [
        { identifier: rich, distribution: '50%' },
        { identifier: poor, distribution: 'left' },
      ],
      atomic: true,
    });
    const res = await split(body(reference));
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.status, 'QUEUED');
    for (const leg of [`${reference}_1`, `${reference}_2`]) {
      const outcome = await eventually(`/transactions/reference/${leg}_q`);
      assert.equal(outcome.body.status, 'REJECTED');
      assert.match(outcome.body.meta_data.blnk_rejection_reason, /insufficient funds/);
    }
    assert.equal((await read(rich)).balance, 500);
    assert.equal((await read(poor)).balance, 0);
    assert.equal((await read(destination)).balance, 0);

    const good = `split-${randomUUID()}`;
    const okPoor = await funded(500n);
    const ok = await split({
      ...body(good),
      sources: [
        { identifier: rich, distribution: '50%' },
        { identifier: okPoor, distribution: 'left' },
      ],
    });
    assert.equal(ok.status, 201, ok.text);
    for (const leg of [`${good}_1`, `${good}_2`]) {
      assert.equal((await eventually(`/transactions/reference/${leg}_q`)).body.status, 'APPLIED');
    }
    assert.equal((await read(rich)).balance, 0);
    assert.equal((await read(okPoor)).balance, 0);
    assert.equal((await read(destination)).balance, 1000);
  });
});
