// Hardening, money and availability (issue 11, items 1 and 5): amounts past the bound are refused at
// the door, accepted amounts are carried exactly by every path, and a queued item that keeps failing
// is rejected without holding back the rest of the queue.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startKassa, type TestKassa } from '../support/kassa.js';
import { eventually, ledgerProblems } from '../support/invariants.js';

describe('hardening: amounts and the queue', () => {
  let kassa: TestKassa;
  let ledger_id: string;

  const balance = async (currency = 'USD') =>
    (await kassa.http.post('/balances', { ledger_id, currency })).body.balance_id as string;
  const transfer = (body: Record<string, unknown>) =>
    kassa.http.post('/transactions', { currency: 'USD', reference: `ref-${randomUUID()}`, description: 'hardening', ...body });
  const outcome = (reference: string) =>
    eventually(async () => {
      const res = await kassa.http.get(`/transactions/reference/${reference}_q`);
      return res.status === 200 ? res.body : undefined;
    });

  before(async () => {
    kassa = await startKassa();
    ledger_id = (await kassa.http.post('/ledgers', { name: 'hardening' })).body.ledger_id;
  });
  after(() => kassa.close());

  test('a precise_amount past 40 digits is refused at the door, queued or not, as number or string', async () => {
    const [source, destination] = [await balance(), await balance()];
    const huge = 10n ** 400n;
    for (const precise_amount of [huge, 10n ** 40n, (10n ** 40n).toString(), '1' + '0'.repeat(5000)]) {
      for (const skip_queue of [false, true]) {
        const res = await transfer({ precise_amount, precision: 1, source, destination, allow_overdraft: true, skip_queue });
        assert.equal(res.status, 400, res.text);
        assert.match(res.body.error_detail.message, /at most 40 digits|more than 100 characters/);
      }
    }
    const listed = await kassa.http.get('/transactions?limit=100');
    assert.equal(listed.body.length, 0, 'nothing was written');
  });

  test('precision past 10^18 and non-finite amounts are 400', async () => {
    const [source, destination] = [await balance(), await balance()];
    const res = await transfer({ amount: 1, precision: 10n ** 19n, source, destination, allow_overdraft: true });
    assert.equal(res.status, 400, res.text);
    assert.match(res.body.error_detail.message, /precision cannot be more than 1000000000000000000/);
    const inf = await kassa.http.post(
      '/transactions',
      `{"amount": 1e400, "currency": "USD", "reference": "r-${randomUUID()}", "description": "d", "source": "${source}", "destination": "${destination}"}`,
    );
    assert.equal(inf.status, 400, inf.text);
    assert.equal(inf.body.error_detail.details.field, 'amount');
  });

  test('the largest amount is carried exactly: skip_queue answer, hash, queued outcome, refund', async () => {
    const [source, destination] = [await balance(), await balance()];
    const precise_amount = 10n ** 40n - 1n;
    const amountText = '999999999999999999999999999999999999999.9';
    const direct = await transfer({
      precise_amount,
      precision: 10,
      source,
      destination,
      allow_overdraft: true,
      skip_queue: true,
    });
    assert.equal(direct.status, 201, direct.text);
    assert.match(direct.text, new RegExp(`"amount":${amountText.replace('.', '\\.')}[,}]`));
    assert.equal(direct.body.precise_amount, precise_amount);
    assert.match(direct.body.hash, /^[0-9a-f]{64}$/);
    const refund = await kassa.http.post(`/refund-transaction/${direct.body.transaction_id}`, { skip_queue: true });
    assert.equal(refund.status, 201, refund.text);
    assert.equal(refund.body.precise_amount, precise_amount);

    const queued = await transfer({ precise_amount, precision: 10, source, destination, allow_overdraft: true });
    assert.equal(queued.status, 201, queued.text);
    const applied = await outcome(queued.body.reference);
    assert.equal(applied.status, 'APPLIED');
    const read = await kassa.http.get(`/transactions/${applied.transaction_id}`);
    assert.match(read.text, new RegExp(`"amount":${amountText.replace('.', '\\.')}[,}]`));
    assert.deepEqual(await ledgerProblems(kassa.http), []);
  });

  test('a queued item that keeps failing is rejected with a reason and holds back nothing else', async () => {
    const [poisonSource, poisonDestination] = [await balance(), await balance()];
    const [a, b] = [await balance(), await balance()];
    // An injected fault: any write to the poisoned balance fails (not a data error, not transient).
    await kassa.server.db.query('CREATE TABLE test_poisoned (balance_id text PRIMARY KEY)');
    await kassa.server.db.query('INSERT INTO test_poisoned VALUES ($1)', [poisonDestination]);
    await kassa.server.db.query(`CREATE FUNCTION test_poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM test_poisoned WHERE balance_id = NEW.balance_id) THEN
          RAISE EXCEPTION 'injected fault';
        END IF;
        RETURN NEW;
      END $$`);
    await kassa.server.db.query(
      'CREATE TRIGGER test_poison BEFORE UPDATE ON balances FOR EACH ROW EXECUTE FUNCTION test_poison()',
    );
    try {
      const poison = await transfer({
        precise_amount: 5,
        source: poisonSource,
        destination: poisonDestination,
        allow_overdraft: true,
      });
      assert.equal(poison.status, 201, poison.text);
      const others = [];
      for (let i = 0; i < 5; i++) {
        const res = await transfer({ precise_amount: 7, source: a, destination: b, allow_overdraft: true });
        assert.equal(res.status, 201, res.text);
        others.push(res.body.reference as string);
      }
      for (const reference of others) assert.equal((await outcome(reference)).status, 'APPLIED');
      const rejected = await outcome(poison.body.reference);
      assert.equal(rejected.status, 'REJECTED');
      assert.match(String(rejected.meta_data.blnk_rejection_reason), /failed repeatedly/);
      assert.equal((await kassa.http.get(`/balances/${b}`)).body.balance, 35);
      assert.equal((await kassa.http.get(`/balances/${poisonDestination}`)).body.balance, 0);
    } finally {
      await kassa.server.db.query('DROP TRIGGER test_poison ON balances');
    }
    const after = await transfer({
      precise_amount: 1,
      source: poisonSource,
      destination: poisonDestination,
      allow_overdraft: true,
    });
    assert.equal((await outcome(after.body.reference)).status, 'APPLIED', 'the queue works after the fault is gone');
    assert.deepEqual(await ledgerProblems(kassa.http), []);
  });

  test('5: a transaction whose currency differs from a balance is 400 on every path', async () => {
    const [usd1, usd2] = [await balance('USD'), await balance('USD')];
    for (const skip_queue of [false, true]) {
      const res = await transfer({
        currency: 'EUR',
        precise_amount: 100,
        source: usd1,
        destination: usd2,
        allow_overdraft: true,
        skip_queue,
      });
      assert.equal(res.status, 400, res.text);
      assert.match(res.body.error_detail.message, /currency/);
    }
    const split = await transfer({
      currency: 'EUR',
      precise_amount: 100,
      source: usd1,
      destinations: [{ identifier: usd2, distribution: '100%' }],
      allow_overdraft: true,
      skip_queue: true,
    });
    assert.equal(split.status, 400, split.text);
    const bulk = await kassa.http.post('/transactions/bulk', {
      transactions: [
        {
          currency: 'EUR',
          precise_amount: 1,
          reference: `r-${randomUUID()}`,
          description: 'd',
          source: usd1,
          destination: usd2,
          allow_overdraft: true,
        },
      ],
    });
    assert.equal(bulk.status, 400, bulk.text);
    // Indicators are created in the transaction's currency, so they keep working.
    const indicator = await transfer({
      currency: 'EUR',
      precise_amount: 100,
      source: '@World',
      destination: `@eur-${randomUUID()}`,
      allow_overdraft: true,
      skip_queue: true,
    });
    assert.equal(indicator.status, 201, indicator.text);
    assert.equal((await kassa.http.get(`/balances/${usd2}`)).body.balance, 0);
  });
});
