// A reconciliation run is durable work (issue 15): killed with -9 half way, it resumes after restart
// (or in another process) from the last batch written, and every record ends with exactly one result:
// counts, match rows and the reconciled metadata agree, nothing twice.
import { describe, test } from 'node:test';
import pg from 'pg';
import assert from 'node:assert/strict';
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase } from '../support/database.js';
import { spawnKassa, type KassaProcess } from '../support/kassa.js';
import type { HttpClient } from '../support/http.js';
import { eventually } from '../support/invariants.js';
import { csv, uploadFile } from '../support/uploads.js';

const RECORDS = 600;
/** Small batches and a short lease, so a run is caught half way and taken over quickly. */
const ENV = { BLNK_RECONCILIATION_PROGRESS_INTERVAL: '5', KASSA_RECONCILIATION_LEASE: '2s' };

async function prepare(http: HttpClient, tag: string): Promise<{ upload_id: string; rule_id: string; ids: Map<string, string> }> {
  const ledger_id = (await http.post('/ledgers', { name: 'reconciliation processes' })).body.ledger_id;
  const destination = (await http.post('/balances', { ledger_id, currency: 'USD' })).body.balance_id;
  const transactions = await http.post('/transactions/bulk', {
    transactions: Array.from({ length: RECORDS / 2 }, (_, i) => ({
      amount: 1 + i,
      precision: 100,
      currency: 'USD',
      reference: `${tag}-T${i}`,
      description: 'payment',
      source: '@world',
      destination,
      allow_overdraft: true,
    })),
    skip_queue: true,
  });
  assert.equal(transactions.status, 201, transactions.text);
  const ids = new Map<string, string>();
  for (let i = 0; i < RECORDS / 2; i++) {
    const txn = (await http.get(`/transactions/reference/${tag}-T${i}`)).body;
    ids.set(`${tag}-E${i}`, txn.transaction_id);
  }
  // Half the records match a transaction; the other half match nothing.
  const rows = Array.from({ length: RECORDS }, (_, i) => [
    `${tag}-E${i}`,
    String(1 + i),
    'USD',
    `${tag}-T${i}`,
    'bank',
    new Date().toISOString(),
  ]);
  const uploaded = await uploadFile(http, csv(rows), 'statement.csv');
  assert.equal(uploaded.status, 200, uploaded.text);
  const rule = await http.post('/reconciliation/matching-rules', {
    name: 'exact',
    criteria: [
      { field: 'amount', operator: 'equals' },
      { field: 'reference', operator: 'equals' },
    ],
  });
  assert.equal(rule.status, 201, rule.text);
  return { upload_id: uploaded.body.upload_id, rule_id: rule.body.rule_id, ids };
}

async function pages(http: HttpClient, path: string): Promise<any[]> {
  const all = [];
  for (let offset = 0; ; offset += 1000) {
    const page = (await http.get(`${path}?limit=1000&offset=${offset}`)).body;
    all.push(...page);
    if (page.length < 1000) return all;
  }
}

async function assertExactlyOnce(
  http: HttpClient,
  reconciliation_id: string,
  ids: Map<string, string>,
  tag: string,
): Promise<void> {
  const run = await eventually(
    async () => {
      const res = await http.get(`/reconciliation/${reconciliation_id}`);
      return res.body.status === 'completed' ? res.body : undefined;
    },
    { timeout_ms: 120_000, interval_ms: 200 },
  );
  assert.equal(run.processed, RECORDS);
  assert.equal(run.total, RECORDS);
  assert.equal(run.matched_transactions, RECORDS / 2);
  assert.equal(run.unmatched_transactions, RECORDS / 2);
  const matches = await pages(http, `/reconciliation/${reconciliation_id}/matches`);
  const unmatched = await pages(http, `/reconciliation/${reconciliation_id}/unmatched`);
  assert.equal(matches.length, RECORDS / 2);
  assert.equal(unmatched.length, RECORDS / 2);
  const seen = new Set([...matches.map((m) => m.external_transaction_id), ...unmatched.map((u) => u.transaction_id)]);
  assert.equal(seen.size, RECORDS, 'a record has two results');
  for (const match of matches) assert.equal(match.internal_transaction_id, ids.get(match.external_transaction_id));
  for (const i of [0, RECORDS / 4, RECORDS / 2 - 1]) {
    const meta = (await http.get(`/transactions/${ids.get(`${tag}-E${i}`)}`)).body.meta_data;
    assert.equal(meta.reconciliation_id, reconciliation_id);
    assert.equal(meta.external_txn_id, `${tag}-E${i}`);
  }
}

async function startHalfWay(kassa: KassaProcess, upload_id: string, rule_id: string): Promise<string> {
  const res = await kassa.http.post('/reconciliation/start', { upload_id, strategy: 'one_to_one', matching_rule_ids: [rule_id] });
  assert.equal(res.status, 200, res.text);
  const { reconciliation_id } = res.body;
  const run = await eventually(
    async () => {
      const body = (await kassa.http.get(`/reconciliation/${reconciliation_id}`)).body;
      return body.processed > 0 ? body : undefined;
    },
    { interval_ms: 10 },
  );
  assert.equal(run.status, 'in_progress', 'the run finished before the crash: nothing would be resumed');
  return reconciliation_id;
}

describe('reconciliation runs across crashes and processes', () => {
  test(
    'backends terminated again and again during a run: it completes, each record with one result',
    { skip: !TEST_DATABASE_URL && 'needs PostgreSQL' },
    async () => {
      const database = await createTestDatabase();
      const kassa = await spawnKassa(database, { env: { ...ENV, BLNK_RECONCILIATION_MAX_RETRIES: '1' } });
      const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await admin.connect();
      try {
        const tag = `rf${Date.now().toString(36)}`;
        const { upload_id, rule_id, ids } = await prepare(kassa.http, tag);
        const reconciliation_id = await startHalfWay(kassa, upload_id, rule_id);
        const name = new URL(database.url!).pathname.slice(1);
        for (let round = 0; round < 6; round++) {
          await admin.query(
            'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
            [name],
          );
          await new Promise((resolve) => setTimeout(resolve, 150));
        }
        // Outages never count as attempts: one retry allowed, and the run still completes.
        await assertExactlyOnce(kassa.http, reconciliation_id, ids, tag);
        assert.equal(kassa.child.exitCode, null, 'the process is alive');
      } finally {
        await admin.end();
        await kassa.stop();
        await database.drop();
      }
    },
  );

  test('kill -9 half way: after restart the run resumes and every record has exactly one result', async () => {
    const database: TestDatabase = await createTestDatabase();
    let kassa = await spawnKassa(database, { env: ENV });
    try {
      const tag = `rk${Date.now().toString(36)}`;
      const { upload_id, rule_id, ids } = await prepare(kassa.http, tag);
      const reconciliation_id = await startHalfWay(kassa, upload_id, rule_id);
      await kassa.kill();
      kassa = await spawnKassa(database, { env: ENV });
      await assertExactlyOnce(kassa.http, reconciliation_id, ids, tag);
    } finally {
      await kassa.stop();
      await database.drop();
    }
  });

  test(
    'two processes: the survivor takes over a run whose process was killed',
    { skip: !TEST_DATABASE_URL && 'PostgreSQL only: the embedded database is single-process' },
    async () => {
      const database = await createTestDatabase();
      const processes: KassaProcess[] = [];
      try {
        processes.push(await spawnKassa(database, { env: ENV }));
        const tag = `rp${Date.now().toString(36)}`;
        const { upload_id, rule_id, ids } = await prepare(processes[0].http, tag);
        // The second process starts after the run is claimed by the first.
        const reconciliation_id = await startHalfWay(processes[0], upload_id, rule_id);
        processes.push(await spawnKassa(database, { env: ENV }));
        await processes[0].kill();
        await assertExactlyOnce(processes[1].http, reconciliation_id, ids, tag);
      } finally {
        await Promise.all(processes.map((p) => p.stop()));
        await database.drop();
      }
    },
  );
});
