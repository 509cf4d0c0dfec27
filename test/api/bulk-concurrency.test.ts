// Many concurrent bulk requests (every mode) over a few shared balances with scarce funds: no
// overdraft, atomic batches all or nothing, non-atomic ones stopped exactly at their failing item,
// every queued item with one outcome, and the ledger's invariants.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startKassa, type TestKassa } from '../support/kassa.js';
import { ledgerProblems } from '../support/invariants.js';
import { runBounded } from '../support/transfers.js';

const BALANCES = 5;
const FUNDS = 1_000;
const REQUESTS = 48;

describe('bulk under concurrency', () => {
  let kassa: TestKassa;
  before(async () => {
    kassa = await startKassa({ env: { BLNK_TRANSACTION_LOCK_WAIT_TIMEOUT: '120s' } });
  });
  after(() => kassa.close());

  test('concurrent bulk requests keep every promise and the invariants', async () => {
    const http = kassa.http;
    const ledger_id = (await http.post('/ledgers', { name: 'bulk concurrency' })).body.ledger_id;
    const ids: string[] = [];
    for (let i = 0; i < BALANCES; i++) {
      const id = (await http.post('/balances', { ledger_id, currency: 'USD' })).body.balance_id;
      const fund = await http.post('/transactions', {
        precise_amount: FUNDS,
        currency: 'USD',
        reference: `fund-${randomUUID()}`,
        description: 'fund',
        source: `@BulkFund-${randomUUID()}`,
        destination: id,
        allow_overdraft: true,
        skip_queue: true,
      });
      assert.equal(fund.status, 201);
      ids.push(id);
    }
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const requests = Array.from({ length: REQUESTS }, (_, i) => {
      const transactions = Array.from({ length: 2 + random(4) }, (_, k) => {
        const source = ids[random(BALANCES)];
        let destination = ids[random(BALANCES)];
        if (destination === source) destination = ids[(ids.indexOf(source) + 1) % BALANCES];
        return {
          // Two skip_queue batches in every eight (one atomic, one not) carry as second item an
          // amount no balance can ever fund, so some 400s are certain whatever the interleaving.
          precise_amount: i % 8 < 4 && i % 2 === 0 && k === 1 ? BALANCES * FUNDS + 1 : 1 + random(400),
          currency: 'USD',
          reference: `bc-${randomUUID()}`,
          description: 'bulk',
          source,
          destination,
        };
      });
      return { transactions, skip_queue: i % 2 === 0, atomic: i % 4 < 2 };
    });
    const answers = await runBounded(requests.length, 12, (i) => http.post('/transactions/bulk', requests[i]));
    await kassa.server.worker!.drain(60_000);
    // Scarce funds and the unfundable items: some batches are refused, some go through.
    assert.ok(answers.some((res) => res.status === 400));
    assert.ok(answers.some((res) => res.status === 201));

    const accepted: { transaction_id: string; reference: string }[] = [];
    for (const [i, res] of answers.entries()) {
      const { transactions, skip_queue, atomic } = requests[i];
      assert.ok([201, 400].includes(res.status), `${res.status} ${res.text}`);
      if (res.status === 400) assert.equal(res.body.error_detail.code, 'TXN_INSUFFICIENT_FUNDS', res.text);
      // The 1-based item a skip_queue batch stopped at.
      const stopped = res.status === 400 ? Number(/failed to queue transaction (\d+)/.exec(res.body.error)![1]) : Infinity;
      const rows = await Promise.all(transactions.map(async (t) => await http.get(`/transactions/reference/${t.reference}`)));
      const outcomes = await Promise.all(
        transactions.map(async (t) => (await http.get(`/transactions/reference/${t.reference}_q`)).body?.status),
      );
      rows.forEach((row, k) => {
        const expected = skip_queue ? (atomic ? res.status === 201 : k + 1 < stopped) : true;
        assert.equal(row.status, expected ? 200 : 404, `request ${i} item ${k + 1}`);
        if (row.status !== 200) return;
        assert.equal(row.body.parent_transaction, res.body.batch_id);
        assert.equal(row.body.meta_data.sequence, k + 1);
        if (!skip_queue) accepted.push({ transaction_id: row.body.transaction_id, reference: row.body.reference });
      });
      if (!skip_queue) {
        assert.equal(res.status, 201, res.text);
        if (atomic) assert.equal(new Set(outcomes).size, 1, `atomic queued batch ${i}: ${outcomes.join(',')}`);
      }
    }
    for (const id of ids) assert.ok((await http.get(`/balances/${id}`)).body.balance >= 0, `${id} overdrawn`);
    assert.deepEqual(await ledgerProblems(http, accepted), []);
  });
});
