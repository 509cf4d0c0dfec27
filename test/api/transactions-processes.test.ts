// Several Kassa processes on one database, and crashes: every transaction that got a 201 ends with
// exactly one outcome, nothing is spent twice, and the ledger's invariants hold.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createTestDatabase, TEST_DATABASE_URL } from '../support/database.js';
import { spawnKassa, type KassaProcess } from '../support/kassa.js';
import type { HttpClient } from '../support/http.js';
import { eventually, ledgerProblems } from '../support/invariants.js';
import { acceptedQueued, outcomeStatuses, runBounded, transfer, type TransferAnswer } from '../support/transfers.js';

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
        const outcomes = await outcomeStatuses(processes[0].http, answers);
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

  test(
    'two processes: of many transfers expecting one version of a balance, queued or direct, exactly one applies',
    { skip: !TEST_DATABASE_URL && 'PostgreSQL only: the embedded database is single-process' },
    async () => {
      const database = await createTestDatabase();
      const processes: KassaProcess[] = [];
      try {
        processes.push(await spawnKassa(database), await spawnKassa(database));
        const [hot, sink] = await setup(processes[0].http, 2, 1000);
        const version = (await processes[0].http.get(`/balances/${hot}`)).body.version;
        const answers = await runBounded(40, 20, (i) =>
          transfer(processes[i % 2].http, {
            precise_amount: 1,
            source: hot,
            destination: sink,
            skip_queue: i % 3 === 0,
            expected_versions: { [hot]: version },
          }),
        );
        for (const a of answers) {
          if (a.status === 409) assert.equal(a.body.error_detail.code, 'TXN_VERSION_MISMATCH');
          else assert.equal(a.status, 201, JSON.stringify(a.body));
        }
        const accepted = acceptedQueued(answers);
        await settled(processes[1].http, accepted);
        const outcomes = await outcomeStatuses(processes[0].http, answers);
        assert.equal(outcomes.filter((s) => s === 'APPLIED').length, 1, outcomes.join(' '));
        assert.equal(outcomes.filter((s) => s === 'APPLIED' || s === 'REJECTED' || s === 'REFUSED').length, 40);
        assert.equal((await processes[1].http.get(`/balances/${hot}`)).body.balance, 999);
        assert.equal((await processes[0].http.get(`/balances/${sink}`)).body.balance, 1001);
      } finally {
        await Promise.all(processes.map((p) => p.stop()));
        await database.drop();
      }
    },
  );

  test(
    'a worker in another process starts at once through LISTEN/NOTIFY, also after its listening connection is cut',
    { skip: !TEST_DATABASE_URL && 'PostgreSQL only: the embedded database is single-process' },
    async () => {
      const database = await createTestDatabase();
      const processes: KassaProcess[] = [];
      try {
        // The first process only accepts; the second applies, and would look for work once an hour.
        processes.push(
          await spawnKassa(database, { env: { KASSA_WORKER_ENABLED: 'false' } }),
          await spawnKassa(database, { env: { KASSA_WORKER_IDLE_POLL_MS: '3600000' } }),
        );
        const [api, worker] = processes;
        const [from, to] = await setup(api.http, 2, 100);
        const appliedElsewhere = async () => {
          const queued = await transfer(api.http, { precise_amount: 1, source: from, destination: to });
          assert.equal(queued.status, 201, JSON.stringify(queued.body));
          assert.equal(queued.body.status, 'QUEUED');
          await eventually(async () => {
            const res = await api.http.get(`/transactions/reference/${queued.reference}_q`);
            return res.body?.status === 'APPLIED' ? true : undefined;
          });
        };
        await appliedElsewhere();

        // A failover cuts the listening connection: the process makes it again, and work is still found.
        const admin = new pg.Client({ connectionString: database.url! });
        await admin.connect();
        try {
          const cut = await admin.query(
            `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN kassa_work'`,
          );
          assert.equal(cut.rowCount, 2, 'each process listens on a connection of its own');
        } finally {
          await admin.end();
        }
        await appliedElsewhere();
        await appliedElsewhere();
        assert.equal((await worker.http.get('/health')).status, 200);
        assert.match(worker.output(), /lost the connection that listens/);
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
