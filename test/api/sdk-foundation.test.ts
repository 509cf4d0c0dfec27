// Blnk's official TypeScript SDK drives ledgers and balances against Kassa, unchanged.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { BlnkInit } from '@blnkfinance/blnk-typescript';
import { startKassa, type TestKassa } from '../support/kassa.js';

describe('Blnk TypeScript SDK: ledgers and balances', () => {
  let kassa: TestKassa;
  let blnk: Awaited<ReturnType<typeof BlnkInit>>;
  before(async () => {
    kassa = await startKassa();
    blnk = await BlnkInit('', { baseUrl: kassa.url, timeout: 60_000, logger: { info() {}, error() {}, debug() {} } as never });
  });
  after(() => kassa.close());

  test('System.health reports UP', async () => {
    const health = await blnk.System.health();
    assert.equal(health.status, 200);
    assert.equal((health.data as { status: string }).status, 'UP');
  });

  test('Ledgers.create, get and update round-trip', async () => {
    const created = await blnk.Ledgers.create({ name: 'SDK ledger', meta_data: { team: 'sdk' } });
    assert.equal(created.status, 201);
    const ledger = created.data as { ledger_id: string; name: string; meta_data: { team: string } };
    assert.match(ledger.ledger_id, /^ldg_/);
    assert.equal(ledger.meta_data.team, 'sdk');

    const fetched = await blnk.Ledgers.get(ledger.ledger_id);
    assert.equal(fetched.status, 200);
    assert.equal((fetched.data as { name: string }).name, 'SDK ledger');

    const updated = await blnk.Ledgers.update(ledger.ledger_id, { name: 'Renamed' });
    assert.equal(updated.status, 200);
    assert.equal((updated.data as { name: string }).name, 'Renamed');
  });

  test('LedgerBalances.create, get and getByIndicator', async () => {
    const ledger = (await blnk.Ledgers.create({ name: 'SDK balances' })).data as { ledger_id: string };
    const created = await blnk.LedgerBalances.create({ ledger_id: ledger.ledger_id, currency: 'USD' });
    assert.equal(created.status, 201);
    const balance = created.data as { balance_id: string; balance: number };
    assert.match(balance.balance_id, /^bln_/);
    assert.equal(balance.balance, 0);

    const fetched = await blnk.LedgerBalances.get(balance.balance_id);
    assert.equal(fetched.status, 200);
    assert.equal((fetched.data as { ledger_id: string }).ledger_id, ledger.ledger_id);

    const indicator = `@sdk-${randomUUID()}`;
    const internal = await blnk.LedgerBalances.create({ ledger_id: 'general_ledger_id', currency: 'EUR', indicator } as never);
    assert.equal(internal.status, 201);
    const byIndicator = await blnk.LedgerBalances.getByIndicator(indicator, 'EUR');
    assert.equal(byIndicator.status, 200);
    assert.equal((byIndicator.data as { balance_id: string }).balance_id, (internal.data as { balance_id: string }).balance_id);
  });

  test('errors reach the SDK with Blnk status codes', async () => {
    const missing = await blnk.Ledgers.get('ldg_missing');
    assert.equal(missing.status, 404);
  });
});
