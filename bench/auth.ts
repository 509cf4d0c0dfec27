// What a scoped API key costs over the master key, per request (issue 5: less than 10% more).
// Kassa runs as a child process in secure mode; this process drives it over keep-alive HTTP,
// alternating rounds of master-key and scoped-key requests so drift hits both alike. The cost is
// the server process's CPU time per request (from /proc, Linux): unlike throughput, it holds up on
// a machine shared with other work. Throughput is printed too.
//   npx tsx bench/auth.ts            (embedded database)
//   BLNK_DATA_SOURCE_DNS=postgres://... npx tsx bench/auth.ts
import { execSync, spawn } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/log.js';
import { startServer as startInProcess } from '../src/server.js';

const MASTER_KEY = 'bench-master-key-0123456789abcdef0123';
const CONCURRENCY = 16;
const ROUND_MS = 3000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);
const CLOCK_TICKS_PER_S = Number(execSync('getconf CLK_TCK').toString().trim());
const START_TIMEOUT_MS = 60_000;
const INJECT_ROUNDS = 30;
const INJECTS_PER_ROUND = 1000;

async function startServer(dataDir: string): Promise<{ port: number; pid: number; stop: () => void }> {
  const env = {
    ...process.env,
    BLNK_SERVER_SECURE: 'true',
    BLNK_SERVER_SECRET_KEY: MASTER_KEY,
    BLNK_SERVER_PORT: '0',
    KASSA_DATA_DIR: dataDir,
    KASSA_LOG_LEVEL: 'info',
  };
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'start'], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('kassa did not start')), START_TIMEOUT_MS);
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const match = /"port":(\d+),"database"/.exec(output);
      if (match) {
        clearTimeout(timer);
        // Keep draining the access log so the child never blocks on a full pipe.
        output = '';
        resolve(Number(match[1]));
      }
    });
    child.once('exit', () => reject(new Error(`kassa exited:\n${output}`)));
  });
  child.stdout!.resume();
  return { port, pid: child.pid!, stop: () => child.kill('SIGTERM') };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function request(
  port: number,
  method: string,
  path: string,
  key: string,
  body?: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { port, host: '127.0.0.1', method, path, agent, headers: { 'x-blnk-key': key, 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** CPU seconds (user + system) the process has used so far. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after "pid (comm) ".
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S;
}

interface Round {
  requests: number;
  elapsed_s: number;
  cpu_s: number;
}

/** One round of ROUND_MS with CONCURRENCY loops. */
async function round(port: number, pid: number, path: string, key: string, expected: number): Promise<Round> {
  const deadline = Date.now() + ROUND_MS;
  let done = 0;
  const cpuBefore = cpuSeconds(pid);
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < deadline) {
        const res = await request(port, 'GET', path, key);
        if (res.status !== expected) throw new Error(`${path}: ${res.status} ${res.text}`);
        done++;
      }
    }),
  );
  const elapsed_s = Number(process.hrtime.bigint() - started) / 1e9;
  return { requests: done, elapsed_s, cpu_s: cpuSeconds(pid) - cpuBefore };
}

function total(rounds: Round[]): { rps: number; cpu_us: number } {
  const sum = (f: (r: Round) => number) => rounds.reduce((acc, r) => acc + f(r), 0);
  const requests = sum((r) => r.requests);
  return { rps: requests / sum((r) => r.elapsed_s), cpu_us: (sum((r) => r.cpu_s) / requests) * 1e6 };
}

/**
 * The same comparison without network, log or client in the way: app.inject in this process,
 * CPU time of this process per request. The smallest denominator, so the largest relative overhead.
 */
async function inProcess(dataDir: string): Promise<void> {
  const config = loadConfig({
    path: null,
    env: { BLNK_SERVER_SECURE: 'true', BLNK_SERVER_SECRET_KEY: MASTER_KEY, BLNK_SERVER_PORT: '0', KASSA_DATA_DIR: dataDir },
  });
  const server = await startInProcess(config, { host: '127.0.0.1', logger: createLogger('silent') });
  try {
    const created = await server.app.inject({
      method: 'POST',
      url: '/api-keys',
      headers: { 'x-blnk-key': MASTER_KEY },
      payload: { name: 'bench', owner: 'bench', scopes: ['ledgers:read'], expires_at: '2099-01-01T00:00:00Z' },
    });
    const scopedKey = created.json().key as string;
    const cpuPerRequest = async (key: string): Promise<number> => {
      const before = process.cpuUsage();
      for (let i = 0; i < INJECTS_PER_ROUND; i++) {
        const res = await server.app.inject({ method: 'GET', url: '/ledgers/x/y', headers: { 'x-blnk-key': key } });
        if (res.statusCode !== 404) throw new Error(`inject: ${res.statusCode} ${res.body}`);
      }
      const used = process.cpuUsage(before);
      return (used.user + used.system) / INJECTS_PER_ROUND;
    };
    await cpuPerRequest(MASTER_KEY);
    await cpuPerRequest(scopedKey);
    const master: number[] = [];
    const scoped: number[] = [];
    for (let i = 0; i < INJECT_ROUNDS; i++) {
      master.push(await cpuPerRequest(MASTER_KEY));
      scoped.push(await cpuPerRequest(scopedKey));
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    const m = median(master);
    const sc = median(scoped);
    console.log(`In process (app.inject GET /ledgers/x/y, no log; median of ${INJECT_ROUNDS} rounds of ${INJECTS_PER_ROUND})`);
    console.log(`  master key: ${m.toFixed(1)} us CPU per request`);
    console.log(`  scoped key: ${sc.toFixed(1)} us CPU per request`);
    console.log(`  scoped key costs ${((sc / m - 1) * 100).toFixed(1)}% more CPU per request (target: < 10%)\n`);
  } finally {
    await server.close();
  }
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'kassa-bench-auth-'));
  const server = await startServer(dataDir);
  try {
    const created = await request(
      server.port,
      'POST',
      '/api-keys',
      MASTER_KEY,
      JSON.stringify({
        name: 'bench',
        owner: 'bench',
        scopes: ['balances:read', 'ledgers:read'],
        expires_at: '2099-01-01T00:00:00Z',
      }),
    );
    const scopedKey = JSON.parse(created.text).key as string;
    const cases = [
      { name: 'GET /ledgers/general_ledger_id (database read)', path: '/ledgers/general_ledger_id', expected: 200 },
      { name: 'GET /ledgers/x/y (404 after auth, no database work)', path: '/ledgers/x/y', expected: 404 },
    ];
    console.log(
      `machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}, ${process.env.BLNK_DATA_SOURCE_DNS ? 'PostgreSQL' : 'embedded database'}`,
    );
    console.log(`load: ${CONCURRENCY} keep-alive connections, ${ROUNDS} alternating rounds of ${ROUND_MS} ms per key\n`);
    for (const c of cases) {
      await round(server.port, server.pid, c.path, MASTER_KEY, c.expected); // warm-up
      await round(server.port, server.pid, c.path, scopedKey, c.expected);
      const masterRounds: Round[] = [];
      const scopedRounds: Round[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        masterRounds.push(await round(server.port, server.pid, c.path, MASTER_KEY, c.expected));
        scopedRounds.push(await round(server.port, server.pid, c.path, scopedKey, c.expected));
      }
      const m = total(masterRounds);
      const s = total(scopedRounds);
      console.log(c.name);
      console.log(`  master key: ${m.cpu_us.toFixed(0)} us server CPU per request, ${m.rps.toFixed(0)} req/s`);
      console.log(`  scoped key: ${s.cpu_us.toFixed(0)} us server CPU per request, ${s.rps.toFixed(0)} req/s`);
      console.log(`  scoped key costs ${((s.cpu_us / m.cpu_us - 1) * 100).toFixed(1)}% more CPU per request (target: < 10%)\n`);
    }
  } finally {
    server.stop();
    agent.destroy();
  }
  const inProcessDir = mkdtempSync(join(tmpdir(), 'kassa-bench-auth-'));
  try {
    await inProcess(inProcessDir);
  } finally {
    rmSync(inProcessDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
