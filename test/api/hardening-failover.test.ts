// Hardening, the process stays up (issue 11, item 6): PostgreSQL terminating Kassa's backends again
// and again (a restart, a failover) while transfers flow must not kill the process; it reconnects by
// itself, and every transfer answered 2xx is there afterwards with exactly one outcome.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { spawnKassa, type KassaProcess } from '../support/kassa.js';
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase } from '../support/database.js';
import { eventually, ledgerProblems } from '../support/invariants.js';
import { acceptedQueued, runBounded, transfer, type TransferAnswer } from '../support/transfers.js';

const ROUNDS = 8;
const TRANSFERS_PER_ROUND = 60;

describe('hardening: backends terminated under load (PostgreSQL)', { skip: !TEST_DATABASE_URL && 'needs PostgreSQL' }, () => {
  let database: TestDatabase;
  let kassa: KassaProcess;
  before(async () => {
    database = await createTestDatabase();
    kassa = await spawnKassa(database);
  });
  after(async () => {
    await kassa?.stop();
    await database?.drop();
  });

  test('6: the process survives pg_terminate_backend on all its connections, reconnects and loses nothing answered', async () => {
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    const name = new URL(database.url!).pathname.slice(1);
    try {
      const ledger_id = (await kassa.http.post('/ledgers', { name: 'failover' })).body.ledger_id;
      const balances: string[] = [];
      for (let i = 0; i < 6; i++)
        balances.push((await kassa.http.post('/balances', { ledger_id, currency: 'USD' })).body.balance_id);
      const answers: TransferAnswer[] = [];
      let terminated = 0;
      for (let round = 0; round < ROUNDS; round++) {
        const flowing = runBounded(TRANSFERS_PER_ROUND, 12, (i) =>
          transfer(kassa.http, {
            reference: `f-${randomUUID()}`,
            precise_amount: 1 + (i % 7),
            source: balances[i % 6],
            destination: balances[(i + 1 + (round % 5)) % 6],
            allow_overdraft: true,
            skip_queue: i % 3 === 0,
          }),
        );
        await new Promise((resolve) => setTimeout(resolve, 30 + round * 10));
        const killed = await admin.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [name],
        );
        terminated += killed.rowCount ?? 0;
        answers.push(...(await flowing));
        assert.equal(kassa.child.exitCode, null, `the process is alive after round ${round}:\n${kassa.output().slice(-2000)}`);
      }
      assert.ok(terminated > 0, 'backends were terminated');
      assert.doesNotMatch(kassa.output(), /Unhandled 'error' event/);
      await eventually(async () => ((await kassa.http.get('/health')).status === 200 ? true : undefined), { timeout_ms: 30_000 });
      // Every answer is a 2xx, a clear 5xx for the outage, or no answer at all; never a 500 with internals.
      for (const answer of answers) {
        if (answer.status >= 500)
          assert.equal(answer.body?.error_detail?.code, 'GEN_SERVICE_UNAVAILABLE', JSON.stringify(answer.body));
      }
      const accepted = answers.filter((a) => a.status === 201);
      assert.ok(accepted.length > 0, 'transfers went through');
      for (const answer of accepted) {
        const read = await kassa.http.get(`/transactions/reference/${answer.reference}`);
        assert.equal(read.status, 200, `answered 201, then missing: ${answer.reference}`);
      }
      const queued = acceptedQueued(accepted);
      const problems = await eventually(
        async () => {
          const found = await ledgerProblems(kassa.http, queued);
          return found.length === 0 ? found : undefined;
        },
        { timeout_ms: 60_000, interval_ms: 500 },
      ).catch(async () => ledgerProblems(kassa.http, queued));
      assert.deepEqual(problems, []);
    } finally {
      await admin.end();
    }
  });
});
