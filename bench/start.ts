// Start time and memory of the built server on the embedded database (issue 18): for each checkout
// given (a baseline and this one, measured in the same run, rounds interleaved), a first start on an
// empty data folder and a second start on the same folder, each timed until GET /health answers 200,
// the idle RSS 5 s later, and the peak RSS under a standard load (closed loop, 16 clients posting
// queued transfers between 20 balances for 20 s). Prints min/median per figure.
//   npx tsx bench/start.ts --rounds 3 base=/tmp/kassa-base current=.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { readRssMiB } from './server.js';

const IDLE_WAIT_MS = 5_000;
const LOAD_MS = 20_000;
const LOAD_CLIENTS = 16;
const BALANCES = 20;

interface Figures {
  first_start_ms: number;
  first_idle_rss_mib: number;
  second_start_ms: number;
  second_idle_rss_mib: number;
  load_peak_rss_mib: number;
  load_transfers_per_s: number;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

async function startServer(root: string, data_dir: string, port: number): Promise<{ child: ChildProcess; ready_ms: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, [join(root, 'dist/main.js'), 'start'], {
    env: {
      ...process.env,
      KASSA_DATA_DIR: data_dir,
      BLNK_SERVER_PORT: String(port),
      KASSA_LOG_LEVEL: 'warn',
      KASSA_LOG_FORMAT: 'json',
    },
    stdio: 'ignore',
  });
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${root}: the server exited`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).status === 200) break;
    } catch {
      // not listening yet
    }
    await sleep(20);
  }
  return { child, ready_ms: performance.now() - started };
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  await exited;
}

async function post(url: string, body: unknown): Promise<any> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return res.json();
}

async function load(url: string, pid: number): Promise<{ peak_rss_mib: number; per_s: number }> {
  const ledger = await post(`${url}/ledgers`, { name: 'start-bench' });
  const balances: string[] = [];
  for (let i = 0; i < BALANCES; i++)
    balances.push((await post(`${url}/balances`, { ledger_id: ledger.ledger_id, currency: 'USD' })).balance_id);
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, readRssMiB(pid) ?? 0)), 200);
  let sent = 0;
  const until = performance.now() + LOAD_MS;
  await Promise.all(
    Array.from({ length: LOAD_CLIENTS }, async (_, client) => {
      for (let n = 0; performance.now() < until; n++) {
        const source = balances[(client + n) % BALANCES];
        const destination = balances[(client + n + 1) % BALANCES];
        await post(`${url}/transactions`, {
          precise_amount: 1,
          currency: 'USD',
          reference: `s-${client}-${n}-${Math.random()}`,
          source,
          destination,
          allow_overdraft: true,
        });
        sent++;
      }
    }),
  );
  clearInterval(sampler);
  return { peak_rss_mib: peak, per_s: sent / (LOAD_MS / 1000) };
}

async function measure(root: string, port: number): Promise<Figures> {
  const data_dir = mkdtempSync(join(tmpdir(), 'kassa-start-'));
  try {
    const first = await startServer(root, data_dir, port);
    await sleep(IDLE_WAIT_MS);
    const first_idle = readRssMiB(first.child.pid!) ?? 0;
    await stop(first.child);
    const second = await startServer(root, data_dir, port);
    await sleep(IDLE_WAIT_MS);
    const second_idle = readRssMiB(second.child.pid!) ?? 0;
    const loaded = await load(`http://127.0.0.1:${port}`, second.child.pid!);
    await stop(second.child);
    return {
      first_start_ms: first.ready_ms,
      first_idle_rss_mib: first_idle,
      second_start_ms: second.ready_ms,
      second_idle_rss_mib: second_idle,
      load_peak_rss_mib: loaded.peak_rss_mib,
      load_transfers_per_s: loaded.per_s,
    };
  } finally {
    rmSync(data_dir, { recursive: true, force: true });
  }
}

const args = process.argv.slice(2);
const roundsAt = args.indexOf('--rounds');
const rounds = roundsAt >= 0 ? Number(args[roundsAt + 1]) : 3;
const variants = args
  .filter((arg) => arg.includes('='))
  .map((arg) => {
    const [name, root] = arg.split('=');
    return { name, root: resolve(root) };
  });
if (variants.length === 0) variants.push({ name: 'current', root: resolve('.') });
const results = new Map<string, Figures[]>(variants.map((v) => [v.name, []]));
for (let round = 0; round < rounds; round++) {
  for (const variant of variants) results.get(variant.name)!.push(await measure(variant.root, 5600 + round));
}
const fields = Object.keys(results.get(variants[0].name)![0]) as (keyof Figures)[];
console.log(`| figure | ${variants.map((v) => `${v.name} (min / median)`).join(' | ')} |`);
console.log(`|---|${variants.map(() => '---').join('|')}|`);
for (const field of fields) {
  const cells = variants.map((v) => {
    const values = results
      .get(v.name)!
      .map((f) => f[field])
      .sort((a, b) => a - b);
    return `${values[0].toFixed(0)} / ${values[Math.floor(values.length / 2)].toFixed(0)}`;
  });
  console.log(`| ${field} | ${cells.join(' | ')} |`);
}
