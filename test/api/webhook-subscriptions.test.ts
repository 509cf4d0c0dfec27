// Webhook subscriptions by event (Kassa's own, issue 16; Blnk issue #172): with
// `notification.webhook.events` the receiver gets only the events it asked for, and the events it did
// not ask for are never recorded (no outbox rows). Without the setting, every event (Blnk's way).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startKassa, type TestKassa } from '../support/kassa.js';
import { eventually, Receiver } from '../support/receiver.js';

describe('webhook subscriptions by event', () => {
  const receiver = new Receiver();
  let kassa: TestKassa;
  before(async () => {
    await receiver.start();
    kassa = await startKassa({
      env: { BLNK_WEBHOOK_URL: receiver.url, KASSA_WEBHOOK_EVENTS: 'transaction.*,ledger.created' },
    });
  });
  after(async () => {
    await kassa.close();
    await receiver.stop();
  });

  const outboxEvents = async () =>
    (await kassa.server.db.query<{ event: string }>('SELECT event FROM outbox_events ORDER BY seq')).map((row) => row.event);

  test('only the subscribed events are recorded and delivered', async () => {
    const ledger = await kassa.http.post('/ledgers', { name: 'subscribed' });
    assert.equal(ledger.status, 201);
    const balance = await kassa.http.post('/balances', { ledger_id: ledger.body.ledger_id, currency: 'USD' });
    assert.equal(balance.status, 201);
    const monitor = await kassa.http.post('/balance-monitors', {
      balance_id: balance.body.balance_id,
      condition: { field: 'balance', operator: '>', value: 1, precision: 1 },
    });
    assert.equal(monitor.status, 201, monitor.text);
    const transfer = await kassa.http.post('/transactions', {
      precise_amount: 5,
      currency: 'USD',
      reference: `sub-${randomUUID()}`,
      description: 'subscribed',
      source: '@World',
      destination: balance.body.balance_id,
      allow_overdraft: true,
      skip_queue: true,
    });
    assert.equal(transfer.status, 201, transfer.text);
    await eventually(() => receiver.where((body) => body.event === 'transaction.applied').length > 0);
    await eventually(() => receiver.where((body) => body.event === 'ledger.created').length > 0);
    const recorded = new Set(await outboxEvents());
    assert.ok(recorded.has('ledger.created'));
    assert.ok(recorded.has('transaction.applied'));
    assert.ok(!recorded.has('balance.created'), 'an event not subscribed to is not recorded');
    assert.ok(!recorded.has('balance.monitor'), 'the monitor fired, but nobody asked for it');
    assert.equal(receiver.where((body) => body.event === 'balance.created' || body.event === 'balance.monitor').length, 0);
  });
});
