// Reconciliation at size (issue 15): 100,000 transactions in the ledger, a 100,000-row bank CSV
// uploaded, then reconciled one_to_one (amount equals, drift 0; reference contains; date within an
// hour) and one_to_many (the same records against the ledger's bulk batches as groups). Prints the
// upload and run times, the server's RSS growth, and /health latency while they ran. The baseline,
// measured in the same run on the same server, is a plain listing of 100 transactions: /health's
// latency before any reconciliation work.
//   npx tsx bench/reconciliation.ts                                   (embedded database)
//   npx tsx bench/reconciliation.ts --database-url postgres://postgres@127.0.0.1:5432/postgres
//   --records N (default 100000)
import { parseArgs } from 'node:util';
import { createBenchDatabase, startKassaChild, RssSampler, type KassaChild } from './server.js';

const { values: args } = parseArgs({
  options: { 'database-url': { type: 'string' }, records: { type: 'string', default: '100000' } },
});
const RECORDS = Number(args.records);
const BULK_SIZE = 1000;
const HEALTH_INTERVAL_MS = 100;
const RSS_INTERVAL_MS = 250;

async function json(url: string, init?: RequestInit): Promise<any> {
  const response = await fetch(url, init);
  const text = await response.text();
  if (!response.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: ${response.status} ${text.slice(0, 500)}`);
  return JSON.parse(text);
}

const post = (url: string, body: unknown) =>
  json(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** Polls /health while `work` runs: the slowest answer and the failures. */
async function watchingHealth<T>(
  kassa: KassaChild,
  work: () => Promise<T>,
): Promise<{ result: T; health_max_ms: number; health_failures: number; seconds: number }> {
  let running = true;
  let health_max_ms = 0;
  let health_failures = 0;
  const watcher = (async () => {
    while (running) {
      const started = performance.now();
      try {
        const response = await fetch(`${kassa.url}/health`, { signal: AbortSignal.timeout(10_000) });
        if (!response.ok) health_failures += 1;
        await response.arrayBuffer();
      } catch {
        health_failures += 1;
      }
      health_max_ms = Math.max(health_max_ms, performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, HEALTH_INTERVAL_MS));
    }
  })();
  const started = performance.now();
  try {
    const result = await work();
    return { result, health_max_ms, health_failures, seconds: (performance.now() - started) / 1000 };
  } finally {
    running = false;
    await watcher;
  }
}

async function seed(
  kassa: KassaChild,
): Promise<{ created_at_ms: number; batches: { reference: string; total_cents: bigint }[] }> {
  const ledger = await post(`${kassa.url}/ledgers`, { name: 'bench reconciliation' });
  const balance = await post(`${kassa.url}/balances`, { ledger_id: ledger.ledger_id, currency: 'USD' });
  const batches = [];
  for (let first = 0; first < RECORDS; first += BULK_SIZE) {
    const transactions = [];
    let total_cents = 0n;
    for (let i = first; i < Math.min(first + BULK_SIZE, RECORDS); i++) {
      const cents = 100 + (i % 50_000);
      total_cents += BigInt(cents);
      transactions.push({
        precise_amount: cents,
        precision: 100,
        currency: 'USD',
        reference: `PAY-${String(i).padStart(7, '0')}`,
        description: `invoice ${i}`,
        source: '@bank',
        destination: balance.balance_id,
        allow_overdraft: true,
      });
    }
    const answer = await post(`${kassa.url}/transactions/bulk`, { transactions, atomic: true, skip_queue: true });
    batches.push({ reference: answer.batch_id as string, total_cents });
  }
  return { created_at_ms: Date.now(), batches };
}

function statement(created_at_ms: number): string {
  const date = new Date(created_at_ms).toISOString();
  const lines = ['ID,Amount,Currency,Reference,Description,Date'];
  for (let i = 0; i < RECORDS; i++) {
    const cents = 100 + (i % 50_000);
    // The bank shows the reference inside its own text (contains matches it).
    lines.push(
      `BANK-${i},${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')},USD,TRF PAY-${String(i).padStart(7, '0')},transfer,${date}`,
    );
  }
  return lines.join('\n') + '\n';
}

async function upload(kassa: KassaChild, csv: string, name: string): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([csv]), name);
  form.append('source', 'bench-bank');
  const answer = await json(`${kassa.url}/reconciliation/upload`, { method: 'POST', body: form });
  return answer.upload_id;
}

async function reconcile(kassa: KassaChild, body: Record<string, unknown>): Promise<any> {
  const { reconciliation_id } = await post(`${kassa.url}/reconciliation/start`, body);
  for (;;) {
    const run = await json(`${kassa.url}/reconciliation/${reconciliation_id}`);
    if (run.status === 'completed' || run.status === 'failed') return run;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function main(): Promise<void> {
  const database = await createBenchDatabase(args['database-url']);
  const kassa = await startKassaChild(database, { kassa_dir: process.cwd() });
  const rows: string[][] = [];
  const report = (
    step: string,
    figures: { seconds: number; health_max_ms: number; health_failures: number },
    rss: RssSampler,
    base_mib: number,
    note = '',
  ) => {
    rows.push([
      step,
      figures.seconds.toFixed(1),
      (rss.peak_mib - base_mib).toFixed(0),
      figures.health_max_ms.toFixed(0),
      String(figures.health_failures),
      note,
    ]);
  };
  try {
    console.log(`seeding ${RECORDS} transactions on ${database.kind}...`);
    const { created_at_ms, batches } = await seed(kassa);
    const baseline = await watchingHealth(kassa, () => new Promise((resolve) => setTimeout(resolve, 3_000)));
    rows.push(['baseline: idle 3 s', '-', '-', baseline.health_max_ms.toFixed(0), String(baseline.health_failures), '']);
    const csv = statement(created_at_ms);

    let base_mib = kassa.rssMiB() ?? 0;
    let rss = new RssSampler(() => kassa.rssMiB(), RSS_INTERVAL_MS);
    const uploaded = await watchingHealth(kassa, () => upload(kassa, csv, 'statement.csv'));
    rss.stop();
    report(`upload ${RECORDS} rows (${(csv.length / 1024 / 1024).toFixed(1)} MiB CSV)`, uploaded, rss, base_mib);

    const rule = await post(`${kassa.url}/reconciliation/matching-rules`, {
      name: 'bank',
      criteria: [
        { field: 'amount', operator: 'equals', allowable_drift: 0 },
        { field: 'reference', operator: 'contains' },
        { field: 'date', operator: 'equals', allowable_drift: 3600 },
      ],
    });
    base_mib = kassa.rssMiB() ?? 0;
    rss = new RssSampler(() => kassa.rssMiB(), RSS_INTERVAL_MS);
    const one = await watchingHealth(kassa, () =>
      reconcile(kassa, { upload_id: uploaded.result, strategy: 'one_to_one', matching_rule_ids: [rule.rule_id] }),
    );
    rss.stop();
    report(
      'one_to_one',
      one,
      rss,
      base_mib,
      `${one.result.status}: ${one.result.matched_transactions} matched, ${one.result.unmatched_transactions} unmatched`,
    );

    // one_to_many: each bulk batch is a group (parent_transaction); one record per batch carries its total.
    const groupRows = ['ID,Amount,Currency,Reference,Description,Date'];
    batches.forEach((batch, i) => {
      const amount = `${batch.total_cents / 100n}.${String(batch.total_cents % 100n).padStart(2, '0')}`;
      groupRows.push(`BATCH-${i},${amount},USD,settlement ${i},settlement,${new Date(created_at_ms).toISOString()}`);
    });
    const grouped = await upload(kassa, groupRows.join('\n') + '\n', 'settlements.csv');
    const amountRule = await post(`${kassa.url}/reconciliation/matching-rules`, {
      name: 'totals',
      criteria: [{ field: 'amount', operator: 'equals', allowable_drift: 0 }],
    });
    base_mib = kassa.rssMiB() ?? 0;
    rss = new RssSampler(() => kassa.rssMiB(), RSS_INTERVAL_MS);
    const many = await watchingHealth(kassa, () =>
      reconcile(kassa, {
        upload_id: grouped,
        strategy: 'one_to_many',
        grouping_criteria: 'parent_transaction',
        matching_rule_ids: [amountRule.rule_id],
      }),
    );
    rss.stop();
    report(
      `one_to_many (${batches.length} records, ${RECORDS} transactions in ${batches.length} groups)`,
      many,
      rss,
      base_mib,
      `${many.result.status}: ${many.result.matched_transactions} matched, ${many.result.unmatched_transactions} unmatched`,
    );

    const header = ['step', 'seconds', 'RSS growth MiB', '/health max ms', '/health failures', 'result'];
    console.log(`\n${database.kind}, ${RECORDS} records\n`);
    console.log(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
    for (const row of rows) console.log(`| ${row.join(' | ')} |`);
  } finally {
    await kassa.stop();
    await database.drop();
  }
}

await main();
