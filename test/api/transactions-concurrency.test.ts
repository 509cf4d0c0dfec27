// Many concurrent transfers, on both paths, including all from one hot balance without overdraft:
// never a negative balance, never a double spend, exactly the expected number accepted and applied.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startKassa, type TestKassa } from '../support/kassa.js';
import { eventually, ledgerProblems } from '../support/invariants.js';
import { acceptedQueued, runBounded, transfer } from '../support/transfers.js';

const DRAIN_TIMEOUT_MS = 60_000;
const LOOKUP_CONCURRENCY_MAX = 10;

describe('concurrent transfers', () => {
  let kassa: TestKassa;
  let ledger_id: string;
  const FUNDING = `@Funding-${randomUUID()}`;
  const balance = async () => (await kassa.http.post('/balances', { ledger_id, currency: 'USD' })).body.balance_id as string;
  const read = async (id: string) => (await kassa.http.get(`/balances/${id}`)).body;
  const fund = async (destination: string, precise_amount: number) => {
    const res = await transfer(kassa.http, {
      precise_amount,
      source: FUNDING,
      destination,
      allow_overdraft: true,
      skip_queue: true,
    });
    assert.equal(res.status, 201);
  };

  before(async () => {
    // Under a loaded test machine a hot row can be held longer than Blnk's 3 s default: waiting is
    // what these tests are about (a lock timeout answers 423 and is tested elsewhere).
    kassa = await startKassa({ env: { BLNK_TRANSACTION_LOCK_WAIT_TIMEOUT: '120s' } });
    ledger_id = (await kassa.http.post('/ledgers', { name: 'concurrency' })).body.ledger_id;
  });
  after(() => kassa.close());

  test('300 concurrent skip_queue debits of one hot balance: exactly the funded number succeed', async () => {
    const hot = await balance();
    const sinks = [await balance(), await balance(), await balance()];
    await fund(hot, 100);
    const answers = await runBounded(300, 50, (i) =>
      transfer(kassa.http, { precise_amount: 1, source: hot, destination: sinks[i % 3], skip_queue: true }),
    );
    const statuses = answers.map((a) => a.status);
    assert.equal(
      statuses.filter((s) => s === 201).length,
      100,
      JSON.stringify(answers.find((a) => ![201, 400].includes(a.status))),
    );
    assert.equal(statuses.filter((s) => s === 400).length, 200);
    for (const a of answers.filter((a) => a.status === 400)) assert.equal(a.body.error_detail.code, 'TXN_INSUFFICIENT_FUNDS');
    const after = await read(hot);
    assert.equal(after.balance, 0);
    assert.equal(after.debit_balance, 100);
    let credited = 0n;
    for (const sink of sinks) credited += BigInt((await read(sink)).balance);
    assert.equal(credited, 100n);
    assert.deepEqual(await ledgerProblems(kassa.http), []);
  });

  test('300 concurrent queued debits of one hot balance: all accepted, exactly the funded number applied', async () => {
    const hot = await balance();
    const sink = await balance();
    await fund(hot, 100);
    const answers = await runBounded(300, 50, () => transfer(kassa.http, { precise_amount: 1, source: hot, destination: sink }));
    assert.ok(answers.every((a) => a.status === 201));
    const accepted = acceptedQueued(answers);
    await kassa.server.worker!.drain(DRAIN_TIMEOUT_MS);
    assert.deepEqual(await ledgerProblems(kassa.http, accepted), []);
    const outcomes = await runBounded(
      answers.length,
      LOOKUP_CONCURRENCY_MAX,
      async (i) => (await kassa.http.get(`/transactions/reference/${answers[i].reference}_q`)).body.status,
    );
    assert.equal(outcomes.filter((s) => s === 'APPLIED').length, 100);
    assert.equal(outcomes.filter((s) => s === 'REJECTED').length, 200);
    assert.equal((await read(hot)).balance, 0);
    assert.equal((await read(sink)).balance, 100);
  });

  test('queued transfers from one balance apply in acceptance order', async () => {
    const source = await balance();
    const sink = await balance();
    await fund(source, 10);
    const answers = [];
    for (const precise_amount of [8, 5, 2, 1])
      answers.push(await transfer(kassa.http, { precise_amount, source, destination: sink }));
    await kassa.server.worker!.drain(DRAIN_TIMEOUT_MS);
    const outcomes = [];
    for (const a of answers) outcomes.push((await kassa.http.get(`/transactions/reference/${a.reference}_q`)).body.status);
    assert.deepEqual(outcomes, ['APPLIED', 'REJECTED', 'APPLIED', 'REJECTED']);
  });

  test('400 mixed transfers among ten balances, both paths at once: every invariant holds', async () => {
    const ids = await Promise.all(Array.from({ length: 10 }, () => balance()));
    for (const id of ids) await fund(id, 50);
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const plan = Array.from({ length: 400 }, () => {
      const from = random(10);
      const to = (from + 1 + random(9)) % 10;
      return { source: ids[from], destination: ids[to], precise_amount: 1 + random(30), skip_queue: random(2) === 0 };
    });
    const answers = await runBounded(plan.length, 40, (i) => transfer(kassa.http, plan[i]));
    for (const a of answers) assert.ok([201, 400].includes(a.status), `${a.status} ${JSON.stringify(a.body)}`);
    const accepted = acceptedQueued(answers);
    await kassa.server.worker!.drain(DRAIN_TIMEOUT_MS);
    await eventually(async () => ((await ledgerProblems(kassa.http, accepted)).length === 0 ? true : undefined), {
      timeout_ms: 5_000,
    }).catch(async () => assert.deepEqual(await ledgerProblems(kassa.http, accepted), []));
    for (const id of ids) assert.ok(BigInt((await read(id)).balance) >= 0n, `${id} went negative`);
  });
});
