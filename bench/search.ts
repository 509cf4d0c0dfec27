// Search at size (issue 14): 1,000,000 transactions and 100,000 balances on PostgreSQL (100,000
// transactions on the embedded database), written straight into Kassa's migrated schema by SQL (the
// ledger's own path is not what is measured here), then one client asking, one request at a time:
//   - a `q` over reference and description, `filter_by` currency and an amount range, sorted by
//     created_at:desc, 20 per page (target p95 ≤ 50 ms, p99 ≤ 100 ms);
//   - a facet count over all transactions (target ≤ 500 ms).
// The baseline, in the same run on the same server: GET /transactions?limit=20, the plain list.
//   npx tsx bench/search.ts [--database-url postgres://...] [--transactions N] [--requests N]
import { parseArgs } from 'node:util';
import type { Database } from '../src/db/database.js';
import { createBenchDatabase, startKassaChild, type BenchDatabase, type KassaChild } from './server.js';

const { values: args } = parseArgs({
  options: {
    'database-url': { type: 'string' },
    transactions: { type: 'string' },
    requests: { type: 'string', default: '300' },
  },
});
const BALANCES = 100_000;
const REQUESTS = Number(args.requests);
const FACET_REQUESTS = 20;
const WORDS = [
  'invoice',
  'payment',
  'refund',
  'payout',
  'acme',
  'globex',
  'initech',
  'umbrella',
  'settlement',
  'fee',
  'salary',
  'transfer',
];
const CURRENCIES = ['USD', 'EUR', 'GBP', 'NGN'];

/** Ledger, balances and transactions by SQL, in chunks (one statement per chunk). */
async function seed(db: Database, transactions: number): Promise<void> {
  await db.query(`INSERT INTO ledgers (ledger_id, name) VALUES ('ldg_bench', 'search bench')`);
  await db.query(
    `INSERT INTO balances (balance_id, ledger_id, currency, created_at)
     SELECT 'bln_' || i, 'ldg_bench', ($1::text[])[1 + i % 4], now() - (i || ' seconds')::interval
     FROM generate_series(0, $2::int - 1) i`,
    [CURRENCIES, BALANCES],
  );
  const chunk = 100_000;
  for (let first = 0; first < transactions; first += chunk) {
    await db.query(
      `INSERT INTO transactions (transaction_id, source, destination, reference, amount, precise_amount, precision,
                                 currency, description, status, created_at, meta_data)
       SELECT 'txn_' || i, 'bln_' || (i % $3::int), 'bln_' || ((i * 7 + 1) % $3::int),
              'INV-' || lpad(i::text, 8, '0'), (1 + i % 100000) / 100.0, 1 + i % 100000, 100,
              ($4::text[])[1 + (i % $3::int) % 4],
              ($5::text[])[1 + i % 12] || ' ' || ($5::text[])[1 + (i / 12) % 12] || ' ' || (i % 997),
              CASE WHEN i % 10 = 0 THEN 'QUEUED' ELSE 'APPLIED' END,
              now() - (i || ' seconds')::interval, jsonb_build_object('n', i % 50)
       FROM generate_series($1::int, $2::int - 1) i`,
      [first, Math.min(first + chunk, transactions), BALANCES, CURRENCIES, WORDS],
    );
  }
  // As autovacuum leaves a table that has settled: statistics and the visibility map (index-only scans).
  await db.query('VACUUM ANALYZE');
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function timed(kassa: KassaChild, count: number, request: (i: number) => [string, unknown?]): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    const [path, body] = request(i);
    const started = performance.now();
    const response = await fetch(`${kassa.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${path}: ${response.status} ${text.slice(0, 300)}`);
    latencies.push(performance.now() - started);
  }
  return latencies.sort((a, b) => a - b);
}

async function seededKassa(database: BenchDatabase, transactions: number): Promise<KassaChild> {
  // The child migrates the schema; the embedded database is seeded while no child holds it.
  let kassa = await startKassaChild(database, { kassa_dir: process.cwd() });
  if (database.kind === 'embedded') await kassa.stop();
  const db = await database.open();
  try {
    await seed(db, transactions);
  } finally {
    await db.close();
  }
  if (database.kind === 'embedded') kassa = await startKassaChild(database, { kassa_dir: process.cwd() });
  return kassa;
}

async function main(): Promise<void> {
  const database = await createBenchDatabase(args['database-url']);
  const transactions = Number(args.transactions ?? (database.kind === 'postgres' ? 1_000_000 : 100_000));
  console.log(`seeding ${transactions} transactions and ${BALANCES} balances on ${database.kind}...`);
  const kassa = await seededKassa(database, transactions);
  try {
    const row = (name: string, latencies: number[]) =>
      `| ${name} | ${latencies.length} | ${percentile(latencies, 50).toFixed(1)} | ${percentile(latencies, 95).toFixed(1)} | ${percentile(latencies, 99).toFixed(1)} | ${latencies[latencies.length - 1].toFixed(1)} |`;
    // Warm both paths alike before measuring.
    await timed(kassa, 20, () => ['/transactions?limit=20']);
    const baseline = await timed(kassa, REQUESTS, (i) => [`/transactions?limit=20&offset=${(i % 50) * 20}`]);
    // A third of the searches ask for a reference (one row), the rest for two description words, each
    // of which is in a sixth of all rows (the hard case for an inverted index).
    const searchBody = (i: number) => {
      const low = (i * 37) % 900;
      return {
        q: i % 3 === 0 ? `INV-${String((i * 7919) % transactions).padStart(8, '0')}` : `${WORDS[i % 12]} ${WORDS[(i * 5) % 12]}`,
        query_by: 'reference,description',
        filter_by: `currency:=${CURRENCIES[i % 4]} && amount:[${low}..${low + 100}]`,
        sort_by: 'created_at:desc',
        per_page: 20,
      };
    };
    const search = await timed(kassa, REQUESTS, (i) => ['/search/transactions', searchBody(i)]);
    const byReference = await timed(kassa, REQUESTS / 3, (i) => ['/search/transactions', searchBody(i * 3)]);
    const byWords = await timed(kassa, REQUESTS / 3, (i) => ['/search/transactions', searchBody(i * 3 + 1)]);
    const facets = await timed(kassa, FACET_REQUESTS, () => [
      '/search/transactions',
      { q: '*', query_by: 'reference', facet_by: 'currency,status', per_page: 0 },
    ]);
    console.log(
      `\n${database.kind}: ${transactions} transactions, ${BALANCES} balances; one client, ${REQUESTS} requests each\n`,
    );
    console.log('| request | n | p50 ms | p95 ms | p99 ms | max ms |\n|---|---|---|---|---|---|');
    console.log(row('baseline: GET /transactions?limit=20', baseline));
    console.log(row('search: q + filter_by currency and amount range, sort created_at:desc, 20 per page', search));
    console.log(row('  the same, q a reference only', byReference));
    console.log(row('  the same, q two common words only', byWords));
    console.log(row('facet_by currency,status over all transactions', facets));
  } finally {
    await kassa.stop();
    await database.drop();
  }
}

await main();
