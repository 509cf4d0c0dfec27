// The ceiling: PostgreSQL doing the ledger's hot write itself, one transfer per commit, measured with
// pgbench on Kassa's own (migrated) schema in a fresh database on the same server, right before the
// Kassa scenarios. Kassa's figures are printed as ratios to it.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { migrate } from '../src/db/migrate.js';
import { createBenchDatabase } from './server.js';

export interface CeilingResult {
  name: 'random pairs' | 'hot balance';
  tps: number;
  clients: number;
  duration_s: number;
}

export interface CeilingOptions {
  admin_url: string;
  duration_s: number;
  clients: number;
  pgbench_path: string;
}

const BALANCES = 10_000;
const HOT_FUNDS = 10n ** 15n;
const SCRIPTS = {
  'random pairs': fileURLToPath(new URL('./pgbench/transfer-random.sql', import.meta.url)),
  'hot balance': fileURLToPath(new URL('./pgbench/transfer-hot.sql', import.meta.url)),
} as const;

function runPgbench(path: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`pgbench exited ${code}:\n${output}`))));
  });
}

function connectionArgs(url: string): string[] {
  const parsed = new URL(url);
  return [
    '-h',
    parsed.hostname,
    '-p',
    parsed.port || '5432',
    '-U',
    decodeURIComponent(parsed.username || 'postgres'),
    decodeURIComponent(parsed.pathname.slice(1)),
  ];
}

export async function measureCeiling(options: CeilingOptions): Promise<CeilingResult[]> {
  const database = await createBenchDatabase(options.admin_url);
  const url = database.env.BLNK_DATA_SOURCE_DNS;
  try {
    const db = await database.open();
    try {
      await migrate(db);
      await db.query(
        `INSERT INTO balances (balance_id, indicator, currency, ledger_id)
         SELECT 'bln_' || lpad(i::text, 8, '0'), NULL, 'USD', 'general_ledger_id' FROM generate_series(1, $1) AS i`,
        [BALANCES],
      );
      await db.query(
        `INSERT INTO balances (balance_id, currency, ledger_id, balance, credit_balance)
         VALUES ('bln_hot', 'USD', 'general_ledger_id', $1, $1)`,
        [HOT_FUNDS],
      );
      await db.exec('VACUUM ANALYZE balances');
    } finally {
      await db.close();
    }
    const results: CeilingResult[] = [];
    for (const name of Object.keys(SCRIPTS) as (keyof typeof SCRIPTS)[]) {
      const output = await runPgbench(options.pgbench_path, [
        '-n',
        '-f',
        SCRIPTS[name],
        '-D',
        `balances=${BALANCES}`,
        '-c',
        String(options.clients),
        '-j',
        '2',
        '-T',
        String(options.duration_s),
        ...connectionArgs(url),
      ]);
      const match = /tps = ([\d.]+) \(without initial connection time\)/.exec(output);
      if (!match) throw new Error(`unexpected pgbench output:\n${output}`);
      results.push({ name, tps: Number(match[1]), clients: options.clients, duration_s: options.duration_s });
    }
    return results;
  } finally {
    await database.drop();
  }
}
