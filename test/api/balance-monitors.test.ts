import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startKassa, type TestKassa } from '../support/kassa.js';
import { Receiver } from '../support/receiver.js';
import { evaluateMonitors } from '../../src/engine/features/monitors.js';

describe('balance monitors', () => {
  // A webhook URL, so that balance.monitor events are recorded (tests read them).
  const receiver = new Receiver();
  let kassa: TestKassa;
  let balance_id: string;
  let other_balance_id: string;
  before(async () => {
    await receiver.start();
    kassa = await startKassa({ env: { BLNK_WEBHOOK_URL: receiver.url } });
    const ledger = await kassa.http.post('/ledgers', { name: 'monitors' });
    balance_id = (await kassa.http.post('/balances', { ledger_id: ledger.body.ledger_id, currency: 'USD' })).body.balance_id;
    other_balance_id = (await kassa.http.post('/balances', { ledger_id: ledger.body.ledger_id, currency: 'USD' })).body
      .balance_id;
  });
  after(async () => {
    await kassa.close();
    await receiver.stop();
  });

  const create = (body: unknown) => kassa.http.post('/balance-monitors', body);

  test('lists are [] before any monitor exists', async () => {
    assert.equal((await kassa.http.get('/balance-monitors')).text, '[]');
    assert.equal((await kassa.http.get(`/balance-monitors/balances/${balance_id}`)).text, '[]');
  });

  test('an unknown field is refused; a valid condition gives a mon_ id and an exact precise_value', async () => {
    const bad = await create({ balance_id, condition: { field: 'foo', operator: '>', value: 10, precision: 100 } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error_detail.code, 'GEN_VALIDATION_ERROR');
    assert.equal(bad.body.errors, 'condition: (field: must be a valid value.).');

    const res = await create({
      balance_id,
      condition: { field: 'balance', operator: '>', value: 10, precision: 100 },
      description: 'over ten',
      call_back_url: 'https://example.com/cb',
    });
    assert.equal(res.status, 201);
    assert.match(res.body.monitor_id, /^mon_[0-9a-f-]{36}$/);
    assert.equal(res.body.balance_id, balance_id);
    assert.deepEqual(res.body.condition, { field: 'balance', operator: '>', value: 10, precision: 100, precise_value: 1000 });
    assert.equal(res.body.description, 'over ten');
    assert.ok(!('call_back_url' in res.body));
    assert.ok(!Number.isNaN(Date.parse(res.body.created_at)));
  });

  test('precise_value is exact where float truncation is not (0.29 × 100 = 29)', async () => {
    const res = await create({ balance_id, condition: { field: 'debit_balance', operator: '>=', value: 0.29, precision: 100 } });
    assert.equal(res.status, 201);
    assert.equal(res.body.condition.precise_value, 29);
    const big = await create({
      balance_id,
      condition: { field: 'credit_balance', operator: '=', value: 123456789012345678901234567890n, precision: 100 },
    });
    assert.equal(big.body.condition.precise_value, 12345678901234567890123456789000n);
  });

  test('validation: missing pieces, zero value or precision, bad operator, unknown balance', async () => {
    const missing = await create({});
    assert.equal(missing.status, 400);
    assert.equal(
      missing.body.errors,
      'balance_id: cannot be blank; condition: (field: cannot be blank; operator: cannot be blank; precision: cannot be blank; value: cannot be blank.).',
    );
    for (const condition of [
      { field: 'balance', operator: '>', value: 0, precision: 100 },
      { field: 'balance', operator: '>', value: 1, precision: 0 },
      { field: 'balance', operator: '>', value: 1, precision: -1 },
      { field: 'balance', operator: '==', value: 1, precision: 1 },
      { field: 'balance', operator: 'LIKE', value: 1, precision: 1 },
    ]) {
      const res = await create({ balance_id, condition });
      assert.equal(res.status, 400, JSON.stringify(condition));
      assert.equal(res.body.error_detail.code, 'GEN_VALIDATION_ERROR');
    }
    const wrongType = await create({ balance_id, condition: { field: 'balance', operator: '>', value: 'ten', precision: 1 } });
    assert.equal(wrongType.status, 400);
    assert.equal(wrongType.body.error_detail.code, 'GEN_MALFORMED_REQUEST');
    const unknown = await create({
      balance_id: 'bln_unknown',
      condition: { field: 'balance', operator: '>', value: 1, precision: 1 },
    });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error, 'Invalid balance ID');
  });

  test('read, list, list by balance', async () => {
    const created = await create({
      balance_id: other_balance_id,
      condition: { field: 'inflight_balance', operator: '<', value: -5, precision: 10 },
    });
    const read = await kassa.http.get(`/balance-monitors/${created.body.monitor_id}`);
    assert.equal(read.status, 200);
    assert.deepEqual(read.body, created.body);
    const all = await kassa.http.get('/balance-monitors');
    assert.ok(all.body.some((m: { monitor_id: string }) => m.monitor_id === created.body.monitor_id));
    const byBalance = await kassa.http.get(`/balance-monitors/balances/${other_balance_id}`);
    assert.deepEqual(
      byBalance.body.map((m: { monitor_id: string }) => m.monitor_id),
      [created.body.monitor_id],
    );
    assert.equal((await kassa.http.get('/balance-monitors/mon_unknown')).body.error_detail.code, 'BAL_MONITOR_NOT_FOUND');
  });

  test('update is validated, recomputes precise_value and keeps what the body leaves out', async () => {
    const created = await create({
      balance_id,
      condition: { field: 'balance', operator: '>', value: 1, precision: 100 },
      description: 'keep me',
    });
    const id = created.body.monitor_id;
    const bad = await kassa.http.put(`/balance-monitors/${id}`, { condition: { field: 'nope', operator: '>', value: 2 } });
    assert.equal(bad.status, 400);
    assert.equal((await kassa.http.get(`/balance-monitors/${id}`)).body.condition.precise_value, 100);

    const res = await kassa.http.put(`/balance-monitors/${id}`, {
      condition: { field: 'credit_balance', operator: '=', value: 2.5 },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { message: 'BalanceMonitor updated successfully' });
    const read = await kassa.http.get(`/balance-monitors/${id}`);
    assert.deepEqual(read.body.condition, {
      field: 'credit_balance',
      operator: '=',
      value: 2.5,
      precision: 100,
      precise_value: 250,
    });
    assert.equal(read.body.description, 'keep me');
    assert.equal(read.body.balance_id, balance_id);

    const moved = await kassa.http.put(`/balance-monitors/${id}`, {
      balance_id: 'bln_unknown',
      condition: { field: 'balance', operator: '>', value: 1, precision: 1 },
    });
    assert.equal(moved.status, 400);
    const missing = await kassa.http.put('/balance-monitors/mon_unknown', {
      condition: { field: 'balance', operator: '>', value: 1 },
    });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error_detail.code, 'BAL_MONITOR_NOT_FOUND');
  });

  test('delete, then a read is 404 BAL_MONITOR_NOT_FOUND', async () => {
    const created = await create({ balance_id, condition: { field: 'balance', operator: '<', value: 1, precision: 1 } });
    const res = await kassa.http.delete(`/balance-monitors/${created.body.monitor_id}`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { message: 'BalanceMonitor deleted successfully' });
    const read = await kassa.http.get(`/balance-monitors/${created.body.monitor_id}`);
    assert.equal(read.status, 404);
    assert.equal(read.body.error_detail.code, 'BAL_MONITOR_NOT_FOUND');
    assert.equal((await kassa.http.delete(`/balance-monitors/${created.body.monitor_id}`)).status, 404);
  });

  test('evaluation records one balance.monitor event per monitor whose condition holds', async () => {
    const ledger = await kassa.http.post('/ledgers', { name: 'evaluation' });
    const watched = (await kassa.http.post('/balances', { ledger_id: ledger.body.ledger_id, currency: 'USD' })).body.balance_id;
    const equal = await create({
      balance_id: watched,
      condition: { field: 'balance', operator: '=', value: 10, precision: 100 },
    });
    const above = await create({
      balance_id: watched,
      condition: { field: 'credit_balance', operator: '>', value: 5, precision: 100 },
    });
    await create({ balance_id: watched, condition: { field: 'debit_balance', operator: '>', value: 5, precision: 100 } });
    const db = kassa.server.db;
    const state = {
      balance_id: watched,
      balance: 1000n,
      credit_balance: 1000n,
      debit_balance: 0n,
      inflight_balance: 0n,
      inflight_credit_balance: 0n,
      inflight_debit_balance: 0n,
    };
    const recorded = await db.transaction((tx) => evaluateMonitors(tx, [{ after: state }]));
    assert.equal(recorded, 2);
    const events = await db.query<{ payload: { monitor_id: string } }>(
      "SELECT payload FROM outbox_events WHERE event = 'balance.monitor' AND payload ->> 'balance_id' = $1 ORDER BY seq",
      [watched],
    );
    assert.deepEqual(
      events.map((e) => e.payload.monitor_id),
      [equal.body.monitor_id, above.body.monitor_id],
    );
    assert.equal(
      await db.transaction((tx) => evaluateMonitors(tx, [{ after: { ...state, balance: 999n, credit_balance: 500n } }])),
      0,
    );
  });

  const monitorEvents = (balance: string) =>
    kassa.server.db.query<{ payload: { monitor_id: string } }>(
      "SELECT payload FROM outbox_events WHERE event = 'balance.monitor' AND payload ->> 'balance_id' = $1 ORDER BY seq",
      [balance],
    );

  test('a skip_queue transaction that meets a condition records balance.monitor in its commit', async () => {
    const ledger = await kassa.http.post('/ledgers', { name: 'direct' });
    const watched = (await kassa.http.post('/balances', { ledger_id: ledger.body.ledger_id, currency: 'USD' })).body.balance_id;
    const monitor = await create({
      balance_id: watched,
      condition: { field: 'balance', operator: '=', value: 1, precision: 100 },
    });
    const post = (reference: string) =>
      kassa.http.post('/transactions', {
        amount: 1,
        precision: 100,
        currency: 'USD',
        reference,
        description: 'monitor',
        source: '@World',
        destination: watched,
        allow_overdraft: true,
        skip_queue: true,
      });
    assert.equal((await post(`mon-direct-${monitor.body.monitor_id}-1`)).status, 201);
    assert.deepEqual(
      (await monitorEvents(watched)).map((e) => e.payload.monitor_id),
      [monitor.body.monitor_id],
    );
    assert.equal((await post(`mon-direct-${monitor.body.monitor_id}-2`)).status, 201);
    assert.equal((await monitorEvents(watched)).length, 1, 'balance 200 is no longer = 100');
  });

  test('a queued transaction fires the monitor when the worker applies it', async () => {
    const ledger = await kassa.http.post('/ledgers', { name: 'queued' });
    const watched = (await kassa.http.post('/balances', { ledger_id: ledger.body.ledger_id, currency: 'USD' })).body.balance_id;
    const monitor = await create({
      balance_id: watched,
      condition: { field: 'credit_balance', operator: '>=', value: 5, precision: 1 },
    });
    const res = await kassa.http.post('/transactions', {
      precise_amount: 5,
      currency: 'USD',
      reference: `mon-queued-${monitor.body.monitor_id}`,
      description: 'monitor',
      source: '@World',
      destination: watched,
      allow_overdraft: true,
    });
    assert.equal(res.status, 201);
    const deadline = Date.now() + 15_000;
    while ((await monitorEvents(watched)).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(
      (await monitorEvents(watched)).map((e) => e.payload.monitor_id),
      [monitor.body.monitor_id],
    );
  });

  test("trigger: crossing fires when a change makes the condition hold, not again until it stopped holding (Blnk's level fires every time)", async () => {
    const ledger = await kassa.http.post('/ledgers', { name: 'crossing' });
    const watched = (await kassa.http.post('/balances', { ledger_id: ledger.body.ledger_id, currency: 'USD' })).body.balance_id;
    const sink = (await kassa.http.post('/balances', { ledger_id: ledger.body.ledger_id, currency: 'USD' })).body.balance_id;
    const condition = { field: 'balance', operator: '<', value: 100, precision: 1 };
    const crossing = await create({ balance_id: watched, condition, trigger: 'crossing' });
    assert.equal(crossing.status, 201, crossing.text);
    assert.equal(crossing.body.trigger, 'crossing');
    const level = await create({ balance_id: watched, condition });
    assert.equal(level.body.trigger, undefined, "Blnk's shape unless crossing is chosen");
    assert.equal((await kassa.http.get(`/balance-monitors/${crossing.body.monitor_id}`)).body.trigger, 'crossing');
    let n = 0;
    const move = async (source: string, destination: string, precise_amount: number) => {
      const res = await kassa.http.post('/transactions', {
        precise_amount,
        currency: 'USD',
        reference: `crossing-${crossing.body.monitor_id}-${n++}`,
        description: 'crossing',
        source,
        destination,
        allow_overdraft: source === '@World',
        skip_queue: true,
      });
      assert.equal(res.status, 201, res.text);
    };
    const fired = async () => {
      const ids = (await monitorEvents(watched)).map((e) => e.payload.monitor_id);
      return {
        crossing: ids.filter((id) => id === crossing.body.monitor_id).length,
        level: ids.filter((id) => id === level.body.monitor_id).length,
      };
    };
    await move('@World', watched, 1000); // 1000: holds for neither
    assert.deepEqual(await fired(), { crossing: 0, level: 0 });
    await move(watched, sink, 950); // 50: crosses
    assert.deepEqual(await fired(), { crossing: 1, level: 1 });
    await move(watched, sink, 10); // 40: still below
    assert.deepEqual(await fired(), { crossing: 1, level: 2 });
    await move('@World', watched, 100); // 140: re-armed
    assert.deepEqual(await fired(), { crossing: 1, level: 2 });
    await move(watched, sink, 50); // 90: crosses again
    assert.deepEqual(await fired(), { crossing: 2, level: 3 });

    const kept = await kassa.http.put(`/balance-monitors/${crossing.body.monitor_id}`, {
      condition: { ...condition, value: 50 },
    });
    assert.equal(kept.status, 200, kept.text);
    assert.equal(
      (await kassa.http.get(`/balance-monitors/${crossing.body.monitor_id}`)).body.trigger,
      'crossing',
      'an update keeps it',
    );
    const back = await kassa.http.put(`/balance-monitors/${crossing.body.monitor_id}`, { condition, trigger: 'level' });
    assert.equal(back.status, 200, back.text);
    assert.equal((await kassa.http.get(`/balance-monitors/${crossing.body.monitor_id}`)).body.trigger, undefined);
    const bad = await create({ balance_id: watched, condition, trigger: 'edge' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error_detail.code, 'GEN_VALIDATION_ERROR');
    assert.match(bad.body.errors, /trigger: must be level or crossing/);
    const malformed = await create({ balance_id: watched, condition, trigger: 1 });
    assert.equal(malformed.status, 400);
  });
});
