// Many POST /transactions at once (they share commits on the queued path): every request keeps its
// own verdict, and every accepted one is stored and gets exactly one outcome.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startKassa, type TestKassa } from '../support/kassa.js';
import { eventually, ledgerProblems } from '../support/invariants.js';

const BURST = 60;

describe('concurrent queued transactions', () => {
  let kassa: TestKassa;
  const run = randomUUID().slice(0, 8);
  const transfer = (reference: string, source: string, destination: string) =>
    kassa.http.post('/transactions', {
      amount: 1.5,
      precision: 100,
      currency: 'USD',
      reference,
      source,
      destination,
      allow_overdraft: true,
      description: 'burst',
    });

  before(async () => {
    kassa = await startKassa();
  });
  after(async () => {
    await kassa.close();
  });

  test('a burst with a repeated reference and an unknown balance: only those two kinds are refused', async () => {
    const duplicate = `${run}-dup`;
    const requests = [
      ...Array.from({ length: BURST }, (_, i) => transfer(`${run}-${i}`, `@${run}-s${i % 7}`, `@${run}-d${i % 5}`)),
      ...Array.from({ length: 5 }, () => transfer(duplicate, `@${run}-s0`, `@${run}-d0`)),
      transfer(`${run}-unknown`, 'bln_00000000-0000-4000-8000-000000000000', `@${run}-d0`),
    ];
    const answers = await Promise.all(requests);
    const accepted = answers.slice(0, BURST);
    for (const answer of accepted) assert.equal(answer.status, 201, answer.text);
    const duplicates = answers
      .slice(BURST, BURST + 5)
      .map((answer) => answer.status)
      .sort();
    assert.deepEqual(duplicates, [201, 409, 409, 409, 409]);
    for (const answer of answers.slice(BURST + 1, BURST + 5).filter((a) => a.status === 409)) {
      assert.equal(answer.body.error_detail.code, 'TXN_DUPLICATE_REFERENCE');
    }
    const unknown = answers[BURST + 5];
    assert.equal(unknown.status, 404, unknown.text);
    assert.equal(unknown.body.error_detail.code, 'BAL_NOT_FOUND');

    const stored = [...accepted, answers.slice(BURST, BURST + 5).find((a) => a.status === 201)!];
    const outcomes = await Promise.all(
      stored.map((answer) =>
        eventually(async () => {
          const res = await kassa.http.get(`/transactions/reference/${answer.body.reference}_q`);
          return res.status === 200 ? res.body : undefined;
        }),
      ),
    );
    outcomes.forEach((outcome, i) => {
      assert.equal(outcome.status, 'APPLIED');
      assert.equal(outcome.parent_transaction, stored[i].body.transaction_id);
    });
    const missing = await kassa.http.get(`/transactions/reference/${run}-unknown`);
    assert.equal(missing.status, 404);
    assert.deepEqual(
      await ledgerProblems(
        kassa.http,
        stored.map((answer) => ({ transaction_id: answer.body.transaction_id, reference: answer.body.reference })),
      ),
      [],
    );
  });

  test('skip_queue burst on one funded balance: exactly the funded number succeed, no overdraft', async () => {
    const hot = `@${run}-funded`;
    const funded = await kassa.http.post('/transactions', {
      precise_amount: 1000,
      currency: 'USD',
      reference: `${run}-fund`,
      source: `@${run}-funding`,
      destination: hot,
      allow_overdraft: true,
      skip_queue: true,
      description: 'fund',
    });
    assert.equal(funded.status, 201, funded.text);
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        kassa.http.post('/transactions', {
          precise_amount: 100,
          currency: 'USD',
          // The last one repeats a used reference, from a source that may overdraw: refused as a duplicate.
          reference: i === 29 ? `${run}-fund` : `${run}-debit-${i}`,
          source: i === 29 ? `@${run}-funding` : hot,
          allow_overdraft: i === 29,
          destination: `@${run}-sink-${i % 3}`,
          skip_queue: true,
          description: 'debit',
        }),
      ),
    );
    const statuses = answers.map((answer) => answer.status);
    assert.equal(statuses.filter((status) => status === 201).length, 10, JSON.stringify(statuses));
    assert.equal(answers[29].status, 409);
    for (const answer of answers.slice(0, 29).filter((a) => a.status !== 201)) {
      assert.equal(answer.status, 400, answer.text);
      assert.equal(answer.body.error_detail.code, 'TXN_INSUFFICIENT_FUNDS');
    }
    const source = answers.find((a) => a.status === 201)!.body.source;
    const balance = (await kassa.http.get(`/balances/${source}`)).body;
    assert.equal(BigInt(balance.balance), 0n);
    assert.equal(BigInt(balance.debit_balance), 1000n);
    assert.deepEqual(await ledgerProblems(kassa.http), []);
  });

  test('indicators created by concurrent requests exist once each', async () => {
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => transfer(`${run}-shared-${i}`, `@${run}-shared-src`, `@${run}-shared-dst`)),
    );
    for (const answer of answers) assert.equal(answer.status, 201, answer.text);
    const balances = (await kassa.http.get('/balances?limit=100')).body as { indicator: string }[];
    assert.equal(balances.filter((b) => b.indicator === `@${run}-shared-src`).length, 1);
    assert.equal(balances.filter((b) => b.indicator === `@${run}-shared-dst`).length, 1);
  });
});
