// Blnk's TypeScript SDK reconciles against Kassa unchanged (issue 15): upload a file from disk,
// create, update and delete matching rules, run, run instantly, and read the run.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlnkInit } from '@blnkfinance/blnk-typescript';
import { startKassa, type TestKassa } from '../support/kassa.js';
import { eventually } from '../support/receiver.js';
import { csv } from '../support/uploads.js';

describe('SDK reconciliation', () => {
  let kassa: TestKassa;
  let folder: string;
  const tag = `sdk${Date.now().toString(36)}`;

  before(async () => {
    kassa = await startKassa();
    folder = mkdtempSync(join(tmpdir(), 'kassa-sdk-recon-'));
  });
  after(async () => {
    await kassa.close();
    rmSync(folder, { recursive: true, force: true });
  });

  test('upload, rules, run, runInstant and get', async () => {
    const { http } = kassa;
    const ledger = (await http.post('/ledgers', { name: 'SDK reconciliation' })).body.ledger_id;
    const balance = (await http.post('/balances', { ledger_id: ledger, currency: 'USD' })).body.balance_id;
    const paid = await http.post('/transactions', {
      amount: 250.75,
      precision: 100,
      currency: 'USD',
      reference: `${tag}-PAY-1`,
      description: 'invoice',
      source: '@world',
      destination: balance,
      allow_overdraft: true,
      skip_queue: true,
    });
    assert.equal(paid.status, 201, paid.text);

    const blnk = await BlnkInit('', {
      baseUrl: kassa.url,
      timeout: 60_000,
      logger: { info() {}, error() {}, debug() {} } as never,
    });
    const file = join(folder, 'statement.csv');
    writeFileSync(file, csv([[`${tag}-x1`, '250.75', 'USD', `${tag}-PAY-1`, 'bank', new Date().toISOString()]]));
    const uploaded = await blnk.Reconciliation.upload(file, 'stripe');
    assert.equal(uploaded.status, 200, JSON.stringify(uploaded));
    assert.equal(uploaded.data?.record_count, 1);
    assert.equal(uploaded.data?.source, 'stripe');

    const created = await blnk.Reconciliation.createMatchingRule({
      name: 'Exact',
      description: 'amount and reference',
      criteria: [
        { field: 'amount', operator: 'equals', allowable_drift: 0 },
        { field: 'reference', operator: 'contains' },
      ],
    });
    assert.equal(created.status, 201, JSON.stringify(created));
    const rule_id = created.data!.rule_id;
    const updated = await blnk.Reconciliation.updateMatchingRule(rule_id, {
      name: 'Exact amounts',
      description: 'amount and reference',
      criteria: [
        { field: 'amount', operator: 'equals', allowable_drift: 0 },
        { field: 'reference', operator: 'equals' },
      ],
    });
    assert.equal(updated.status, 200, JSON.stringify(updated));
    assert.equal(updated.data?.name, 'Exact amounts');

    const run = await blnk.Reconciliation.run({
      upload_id: uploaded.data!.upload_id,
      strategy: 'one_to_one',
      dry_run: false,
      grouping_criteria: 'amount',
      matching_rule_ids: [rule_id],
    });
    assert.equal(run.status, 200, JSON.stringify(run));
    const done = await eventually(async () => {
      const got = await blnk.Reconciliation.get(run.data!.reconciliation_id);
      return got.data?.status === 'completed' ? got.data : undefined;
    });
    assert.equal(done.matched_transactions, 1);
    assert.equal(done.unmatched_transactions, 0);

    const instant = await blnk.Reconciliation.runInstant({
      external_transactions: [
        {
          id: `${tag}-x2`,
          amount: 250.75,
          reference: `${tag}-PAY-1`,
          currency: 'USD',
          description: 'bank',
          date: new Date().toISOString(),
          source: 'stripe',
        },
      ],
      strategy: 'one_to_one',
      matching_rule_ids: [rule_id],
      dry_run: true,
    });
    assert.equal(instant.status, 200, JSON.stringify(instant));
    const instantDone = await eventually(async () => {
      const got = await blnk.Reconciliation.get(instant.data!.reconciliation_id);
      return got.data?.status === 'completed' ? got.data : undefined;
    });
    assert.equal(instantDone.matched_transactions, 1);
    assert.equal(instantDone.is_dry_run, true);
    assert.match(instantDone.upload_id, /^instant_/);

    const deleted = await blnk.Reconciliation.deleteMatchingRule(rule_id);
    assert.equal(deleted.status, 200, JSON.stringify(deleted));
    assert.equal(deleted.data?.message, 'Matching rule deleted successfully');
  });
});
