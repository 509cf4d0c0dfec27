// The outcome events of asynchronous bulk batches (blnk-contract.md ledger §7): bulk_transaction.applied,
// .inflight and .failed, recorded with the outcome and delivered to the webhook.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startKassa, type TestKassa } from '../support/kassa.js';
import { eventually, Receiver, settle } from '../support/receiver.js';

describe('bulk transaction events', () => {
  const receiver = new Receiver();
  let kassa: TestKassa;
  let ledger_id: string;

  before(async () => {
    await receiver.start();
    kassa = await startKassa({ env: { BLNK_WEBHOOK_URL: receiver.url, KASSA_EVENTS_RETRY_BASE_MS: '50' } });
    ledger_id = (await kassa.http.post('/ledgers', { name: 'bulk events' })).body.ledger_id;
  });
  after(async () => {
    await kassa.close();
    await receiver.stop();
  });

  const balance = async () => (await kassa.http.post('/balances', { ledger_id, currency: 'USD' })).body.balance_id as string;
  const item = (source: string, destination: string, precise_amount: number, extra: Record<string, unknown> = {}) => ({
    precise_amount,
    currency: 'USD',
    reference: `be-${randomUUID()}`,
    description: 'bulk event',
    source,
    destination,
    ...extra,
  });
  const events = (batch_id: string) => receiver.where((body) => body.data?.batch_id === batch_id);
  const submit = async (body: Record<string, unknown>) => {
    const res = await kassa.http.post('/transactions/bulk', { run_async: true, ...body });
    assert.equal(res.status, 202, res.text);
    return res.body.batch_id as string;
  };

  test('applied, inflight and failed batches each send one event with Blnk payload', async () => {
    const [s, d] = [await balance(), await balance()];
    const world = `@EventsWorld-${randomUUID()}`;
    const applied = await submit({
      transactions: [item(world, s, 100, { allow_overdraft: true }), item(world, d, 5, { allow_overdraft: true })],
      skip_queue: true,
    });
    const inflight = await submit({ transactions: [item(world, d, 7, { allow_overdraft: true })], inflight: true });
    const failedItems = [item(world, d, 1, { allow_overdraft: true }), item(s, d, 1_000)];
    const failed = await submit({ transactions: failedItems, skip_queue: true, atomic: true });

    const [appliedEvent] = (await eventually(() => events(applied).length > 0 && events(applied))).map((r) => r.body);
    assert.equal(appliedEvent.event, 'bulk_transaction.applied');
    assert.equal(appliedEvent.data.status, 'applied');
    assert.equal(appliedEvent.data.transaction_count, 2);
    assert.ok(!Number.isNaN(Date.parse(appliedEvent.data.timestamp)));
    assert.equal(appliedEvent.data.error, undefined);

    const [inflightEvent] = (await eventually(() => events(inflight).length > 0 && events(inflight))).map((r) => r.body);
    assert.equal(inflightEvent.event, 'bulk_transaction.inflight');
    assert.deepEqual(
      { status: inflightEvent.data.status, count: inflightEvent.data.transaction_count },
      { status: 'inflight', count: 1 },
    );

    const [failedEvent] = (await eventually(() => events(failed).length > 0 && events(failed))).map((r) => r.body);
    assert.equal(failedEvent.event, 'bulk_transaction.failed');
    assert.equal(failedEvent.data.status, 'failed');
    assert.equal(failedEvent.data.transaction_count, undefined);
    assert.match(failedEvent.data.error, /^failed to queue transaction 2 \(Reference: .*insufficient funds.*rolled back/);
    // Atomic: the first item of the failed batch left nothing.
    assert.equal((await kassa.http.get(`/transactions/reference/${failedItems[0].reference}`)).status, 404);

    await settle(500);
    for (const batch of [applied, inflight, failed]) assert.equal(events(batch).length, 1);
  });
});
