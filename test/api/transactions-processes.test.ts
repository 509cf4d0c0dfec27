// Several Kassa processes on one database, and crashes: every transaction that got a 201 ends with
// exactly one outcome, nothing is spent twice, and the ledger's invariants hold.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createTestDatabase, TEST_DATABASE_URL } from '../support/database.js';
import { spawnKassa, type KassaProcess } from '../support/kassa.js';
import type { HttpClient } from '../support/http.js';
import { eventually, ledgerProblems } from '../support/invariants.js';
import { acceptedQueued, runBounded, transfer, type TransferAnswer } from '../support/transfers.js';

const SETTLE_TIMEOUT_MS = 90_000;

async function setup(http: HttpClient, count: number, funds: number) {
  const ledger_id = (await http.post('/ledgers', { name: 'processes' })).body.ledger_id;
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push((await http.post('/balances', { ledger_id, currency: 'USD' })).body.balance_id);
  const funding = `@Funding-${randomUUID()}`;
  for (const id of ids) {
    if (funds === 0) break;
    const res = await transfer(http, {
      precise_amount: funds,
      source: funding,
      destination: id,
      allow_overdraft: true,
      skip_queue: true,
    });
    assert.equal(res.status, 201);
  }
  return ids;
}

/** Waits until every accepted queued transfer has its outcome and the ledger is sound. */
async function settled(http: HttpClient, accepted: { transaction_id: string; reference: string }[]) {
  await eventually(async () => ((await ledgerProblems(http, accepted)).length === 0 ? true : undefined), {
    timeout_ms: SETTLE_TIMEOUT_MS,
    interval_ms: 500,
  }).catch(async () => assert.deepEqual(await ledgerProblems(http, accepted), []));
}

describe('transactions across processes', () => {
  test(
    'two processes on one PostgreSQL share the hot balance without double spending',
    { skip: !TEST_DATABASE_URL && 'PostgreSQL only: the embedded database is single-process' },
    async () => {
      const database = await createTestDatabase();
      const processes: KassaProcess[] = [];
      try {
        const env = { BLNK_TRANSACTION_LOCK_WAIT_TIMEOUT: '120s' };
        processes.push(await spawnKassa(database, { env }), await spawnKassa(database, { env }));
        const [hot, sink] = await setup(processes[0].http, 2, 0);
        await transfer(processes[0].http, {
          precise_amount: 100,
          source: `@F-${randomUUID()}`,
          destination: hot,
          allow_overdraft: true,
          skip_queue: true,
        });
        const answers = await runBounded(300, 40, (i) =>
          transfer(processes[i % 2].http, { precise_amount: 1, source: hot, destination: sink, skip_queue: i % 3 === 0 }),
        );
        const unexpected = answers.find((a) => ![201, 400].includes(a.status));
        if (unexpected) {
          const errors = processes.flatMap((p) =>
            p
              .output()
              .split('\n')
              .filter((line) => /"level":50/.test(line)),
          );
          assert.fail(`${unexpected.status} ${JSON.stringify(unexpected.body)}\n${errors.slice(0, 5).join('\n')}`);
        }
        const accepted = acceptedQueued(answers);
        await settled(processes[1].http, accepted);
        const outcomes = await runBounded(answers.length, 10, async (i) => {
          const a = answers[i];
          if (a.status !== 201) return 'REFUSED';
          if (a.body.status !== 'QUEUED') return a.body.status;
          return (await processes[0].http.get(`/transactions/reference/${a.reference}_q`)).body.status;
        });
        assert.equal(outcomes.filter((s) => s === 'APPLIED').length, 100);
        const hotBalance = (await processes[1].http.get(`/balances/${hot}`)).body;
        assert.equal(hotBalance.balance, 0);
        assert.equal((await processes[0].http.get(`/balances/${sink}`)).body.balance, 100);
      } finally {
        await Promise.all(processes.map((p) => p.stop()));
        await database.drop();
      }
    },
  );

  test('kill -9 while accepting and applying: every 201 gets exactly one outcome after restart', async () => {
    const database = await createTestDatabase();
    let kassa = await spawnKassa(database);
    try {
      const ids = await setup(kassa.http, 6, 200);
      const answers: TransferAnswer[] = [];
      let seed = 11;
      const random = (n: number) => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed % n;
      };
      const victim = kassa;
      const sending = runBounded(400, 20, async () => {
        const from = random(6);
        const answer = await transfer(victim.http, {
          precise_amount: 1 + random(20),
          source: ids[from],
          destination: ids[(from + 1 + random(5)) % 6],
        });
        answers.push(answer);
        return answer;
      });
      await eventually(async () => (answers.filter((a) => a.status === 201).length >= 120 ? true : undefined), {
        timeout_ms: 60_000,
        interval_ms: 20,
      });
      await victim.kill();
      await sending;
      const accepted = acceptedQueued(answers);
      assert.ok(accepted.length >= 120);
      assert.ok(
        answers.some((a) => a.failed),
        'the crash cut some requests off',
      );

      kassa = await spawnKassa(database);
      await settled(kassa.http, accepted);
      for (const id of ids) assert.ok(BigInt((await kassa.http.get(`/balances/${id}`)).body.balance) >= 0n);
    } finally {
      await kassa.stop();
      await database.drop();
    }
  });
});
