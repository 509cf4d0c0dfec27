// Transaction webhooks and hooks end to end (blnk-contract.md platform §12 8, 10–11, 21–22): the engine
// records them in its database transactions; a real receiver gets them, signed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startKassa, type TestKassa } from '../support/kassa.js';
import { eventually, Receiver, settle, type ReceivedRequest } from '../support/receiver.js';
import { verifyKassaSignature } from '../../src/events/signature.js';

const SECRET = 'transaction-events-secret-0123456789ab';
const ref = () => `ref-${randomUUID()}`;

describe('transaction events', () => {
  const receiver = new Receiver();
  let kassa: TestKassa;
  let ledger_id: string;
  const hookPaths: Record<string, string> = {};

  const verifies = (request: ReceivedRequest) =>
    verifyKassaSignature({
      secret: SECRET,
      timestamp: request.headers['x-blnk-timestamp'] as string,
      signature: request.headers['x-blnk-signature'] as string,
      rawBody: request.rawBody,
      tolerance_s: 300,
    });
  const webhooks = (event: string, match: (data: any) => boolean) =>
    receiver.where((body, request) => request.path === '/hook' && body.event === event && match(body.data));
  const hookCalls = (name: string, transaction_id: string) =>
    receiver.requests.filter((r) => r.path === hookPaths[name] && r.body?.transaction_id === transaction_id);
  const balance = async () => (await kassa.http.post('/balances', { ledger_id, currency: 'USD' })).body.balance_id as string;
  const post = async (body: Record<string, unknown>) => {
    const res = await kassa.http.post('/transactions', { currency: 'USD', description: 'events', reference: ref(), ...body });
    assert.equal(res.status, 201, res.text);
    return res.body;
  };

  before(async () => {
    await receiver.start();
    // PRE hooks that fail in both of Blnk's ways: neither may change a transaction (§12 10).
    receiver.respond = (request) => {
      if (request.path === '/pre-500') return { status: 500 };
      if (request.path === '/pre-false') return { status: 200, body: '{"success":false}' };
      return { status: 200 };
    };
    kassa = await startKassa({
      env: { BLNK_WEBHOOK_URL: receiver.url, BLNK_SERVER_SECRET_KEY: SECRET, KASSA_EVENTS_RETRY_BASE_MS: '50' },
    });
    ledger_id = (await kassa.http.post('/ledgers', { name: 'events' })).body.ledger_id;
    for (const [name, type] of [
      ['pre-500', 'PRE_TRANSACTION'],
      ['pre-false', 'PRE_TRANSACTION'],
      ['post', 'POST_TRANSACTION'],
    ]) {
      const res = await kassa.http.post('/hooks', {
        name,
        url: receiver.url.replace('/hook', `/${name}`),
        type,
        active: true,
        timeout: 5,
        retry_count: 0,
      });
      assert.equal(res.status, 201);
      hookPaths[name] = `/${name}`;
    }
  });
  after(async () => {
    await kassa.close();
    await receiver.stop();
  });

  test('skip_queue: transaction.applied arrives signed; PRE and POST hooks get it; failing PRE hooks change nothing', async () => {
    const d = await balance();
    const txn = await post({ amount: 25, source: '@World', destination: d, allow_overdraft: true, skip_queue: true });
    assert.equal(txn.status, 'APPLIED');
    const [event] = await eventually(() => {
      const found = webhooks('transaction.applied', (data) => data.transaction_id === txn.transaction_id);
      return found.length > 0 && found;
    });
    assert.ok(verifies(event));
    assert.equal(event.body.data.reference, txn.reference);
    const [postCall] = await eventually(
      () => hookCalls('post', txn.transaction_id).length > 0 && hookCalls('post', txn.transaction_id),
    );
    assert.equal(postCall.headers['x-hook-type'], 'POST_TRANSACTION');
    assert.equal(postCall.body.data.status, 'APPLIED');
    assert.ok(verifies(postCall));
    await eventually(
      () => hookCalls('pre-500', txn.transaction_id).length > 0 && hookCalls('pre-false', txn.transaction_id).length > 0,
    );
    assert.equal((await kassa.http.get(`/balances/${d}`)).body.balance, 25);
  });

  test('queued: PRE hooks see the transaction before it is applied, then transaction.applied and the POST hook follow', async () => {
    const d = await balance();
    const queued = await post({ amount: 7, source: '@World', destination: d, allow_overdraft: true });
    assert.equal(queued.status, 'QUEUED');
    const [pre] = await eventually(
      () => hookCalls('pre-false', queued.transaction_id).length > 0 && hookCalls('pre-false', queued.transaction_id),
    );
    assert.equal(pre.headers['x-hook-type'], 'PRE_TRANSACTION');
    assert.notEqual(pre.body.data.status, 'APPLIED');
    const [applied] = await eventually(() => {
      const found = webhooks('transaction.applied', (data) => data.parent_transaction === queued.transaction_id);
      return found.length > 0 && found;
    });
    assert.equal(applied.body.data.status, 'APPLIED');
    assert.equal(applied.body.data.reference, `${queued.reference}_q`);
    const outcome = applied.body.data.transaction_id;
    await eventually(() => hookCalls('post', outcome).length > 0, 15_000, 'the POST hook');
    assert.equal((await kassa.http.get(`/balances/${d}`)).body.balance, 7);
  });

  test('inflight: transaction.inflight', async () => {
    const d = await balance();
    const txn = await post({
      amount: 3,
      source: '@World',
      destination: d,
      allow_overdraft: true,
      inflight: true,
      skip_queue: true,
    });
    assert.equal(txn.status, 'INFLIGHT');
    const [event] = await eventually(() => {
      const found = webhooks('transaction.inflight', (data) => data.transaction_id === txn.transaction_id);
      return found.length > 0 && found;
    });
    assert.equal(event.body.data.status, 'INFLIGHT');
    assert.ok(verifies(event));
  });

  test('balance.monitor arrives signed with the monitor id when a transaction meets its condition', async () => {
    const d = await balance();
    const monitor = await kassa.http.post('/balance-monitors', {
      balance_id: d,
      description: 'over 10',
      condition: { field: 'balance', operator: '>', value: 10, precision: 1 },
    });
    assert.equal(monitor.status, 201, monitor.text);
    await post({ amount: 11, source: '@World', destination: d, allow_overdraft: true, skip_queue: true });
    const [event] = await eventually(() => {
      const found = webhooks('balance.monitor', (data) => data.monitor_id === monitor.body.monitor_id);
      return found.length > 0 && found;
    });
    assert.equal(event.body.data.balance_id, d);
    assert.ok(verifies(event));
  });

  test('void: transaction.void arrives signed, and the POST hook gets the VOID transaction', async () => {
    const d = await balance();
    const hold = await post({
      amount: 5,
      source: '@World',
      destination: d,
      allow_overdraft: true,
      inflight: true,
      skip_queue: true,
    });
    const res = await kassa.http.put(`/transactions/inflight/${hold.transaction_id}`, { status: 'void', skip_queue: true });
    assert.ok(res.status < 300, res.text);
    const [event] = await eventually(() => {
      const found = webhooks('transaction.void', (data) => data.parent_transaction === hold.transaction_id);
      return found.length > 0 && found;
    });
    assert.equal(event.body.data.status, 'VOID');
    assert.ok(verifies(event));
    const voided = event.body.data.transaction_id;
    const [call] = await eventually(() => hookCalls('post', voided).length > 0 && hookCalls('post', voided));
    assert.equal(call.body.data.status, 'VOID');
    assert.equal(call.body.event, 'transaction.void');
  });

  test('a queued transfer without funds: transaction.rejected exactly once, with the reason; no POST hook', async () => {
    const s = await balance();
    const d = await balance();
    const queued = await post({ amount: 10, source: s, destination: d });
    const rejected = () => webhooks('transaction.rejected', (data) => data.parent_transaction === queued.transaction_id);
    const [event] = await eventually(() => rejected().length > 0 && rejected());
    assert.equal(event.body.data.status, 'REJECTED');
    assert.match(event.body.data.meta_data.blnk_rejection_reason, /insufficient funds/);
    assert.ok(verifies(event));
    await eventually(() => hookCalls('pre-500', queued.transaction_id).length > 0, 15_000, 'the PRE hook');
    await settle(1_000);
    assert.equal(rejected().length, 1, 'one transaction.rejected');
    assert.equal(hookCalls('post', event.body.data.transaction_id).length, 0);
  });
});
