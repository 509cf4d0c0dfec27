// What a scoped API key costs over the master key, per request (issue 5: less than 10% more).
// Kassa runs as a child process in secure mode; this process drives it over keep-alive HTTP,
// alternating short rounds of master-key and scoped-key requests so drift hits both alike.
//   npx tsx bench/auth.ts            (embedded database)
//   BLNK_DATA_SOURCE_DNS=postgres://... npx tsx bench/auth.ts
import { spawn } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

const MASTER_KEY = 'bench-master-key-0123456789abcdef0123';
const CONCURRENCY = 16;
const ROUND_MS = 2000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
const START_TIMEOUT_MS = 60_000;

async function startServer(dataDir: string): Promise<{ port: number; stop: () => void }> {
  const env = {
    ...process.env,
    BLNK_SERVER_SECURE: 'true',
    BLNK_SERVER_SECRET_KEY: MASTER_KEY,
    BLNK_SERVER_PORT: '0',
    KASSA_DATA_DIR: dataDir,
    KASSA_LOG_LEVEL: 'info',
  };
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'start'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
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
  return { port, stop: () => child.kill('SIGTERM') };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function request(port: number, method: string, path: string, key: string, body?: string): Promise<{ status: number; text: string }> {
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

/** Requests per second over one round of ROUND_MS with CONCURRENCY loops. */
async function round(port: number, path: string, key: string, expected: number): Promise<number> {
  const deadline = Date.now() + ROUND_MS;
  let done = 0;
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
  return done / elapsed_s;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'kassa-bench-auth-'));
  const server = await startServer(dataDir);
  try {
    const created = await request(
      server.port,
      'POST',
      '/api-keys',
      MASTER_KEY,
      JSON.stringify({ name: 'bench', owner: 'bench', scopes: ['balances:read', 'ledgers:read'], expires_at: '2099-01-01T00:00:00Z' }),
    );
    const scopedKey = JSON.parse(created.text).key as string;
    const cases = [
      { name: 'GET /ledgers/general_ledger_id (database read)', path: '/ledgers/general_ledger_id', expected: 200 },
      { name: 'GET /ledgers/x/y (404 after auth, no database work)', path: '/ledgers/x/y', expected: 404 },
    ];
    console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}, ${process.env.BLNK_DATA_SOURCE_DNS ? 'PostgreSQL' : 'embedded database'}`);
    console.log(`load: ${CONCURRENCY} keep-alive connections, ${ROUNDS} alternating rounds of ${ROUND_MS} ms per key\n`);
    for (const c of cases) {
      await round(server.port, c.path, MASTER_KEY, c.expected); // warm-up
      await round(server.port, c.path, scopedKey, c.expected);
      const master: number[] = [];
      const scoped: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        master.push(await round(server.port, c.path, MASTER_KEY, c.expected));
        scoped.push(await round(server.port, c.path, scopedKey, c.expected));
      }
      const m = median(master);
      const s = median(scoped);
      const extra = (m / s - 1) * 100;
      console.log(c.name);
      console.log(`  master key: ${m.toFixed(0)} req/s (${((1e6 / m) * CONCURRENCY).toFixed(0)} us per request)`);
      console.log(`  scoped key: ${s.toFixed(0)} req/s (${((1e6 / s) * CONCURRENCY).toFixed(0)} us per request)`);
      console.log(`  scoped key costs ${extra.toFixed(1)}% more per request (target: < 10%)\n`);
    }
  } finally {
    server.stop();
    agent.destroy();
    setTimeout(() => rmSync(dataDir, { recursive: true, force: true }), 2000);
  }
}

await main();
