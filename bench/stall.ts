// How long one hostile request can hold the server's event loop (issue 11, item 8). Kassa runs as a
// child process; a probe sends `GET /` (no database work) every PROBE_INTERVAL_MS over its own
// keep-alive connection while this process sends one kind of request, one at a time, for ROUND_MS.
// The probe's latency above its idle baseline (measured in the same run, no other traffic) is the
// stall the request caused. Printed per kind: probe p50 / p99 / max and the requests' own time.
//   npx tsx bench/stall.ts                              (embedded database)
//   BLNK_DATA_SOURCE_DNS=postgres://... npx tsx bench/stall.ts
import http from 'node:http';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createBenchDatabase, startKassaChild } from './server.js';

const PROBE_INTERVAL_MS = 2;
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 5_000);
const BODY_MAX_BYTES = 5 * 1024 * 1024 - 1024; // under the default 5 MB cap: parsed, not refused as too large

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

function request(url: string, method: string, path: string, body?: string): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}${path}`,
      { method, agent, headers: body ? { 'content-type': 'application/json' } : {} },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Hostile and heavy bodies, each as large as the body cap allows. */
function cases(balance: string): { name: string; method: string; path: string; body?: string }[] {
  const digits = (n: number) => '1' + '0'.repeat(n - 1);
  const deep = (levels: number) => '{"name":"d","meta_data":' + '{"a":'.repeat(levels) + '1' + '}'.repeat(levels) + '}';
  const bulk = (n: number) =>
    JSON.stringify({
      skip_queue: false,
      transactions: Array.from({ length: n }, (_, i) => ({
        currency: 'USD',
        precise_amount: 1,
        reference: `stall-${Date.now()}-${Math.random()}-${i}`,
        description: 'stall',
        source: '@stall-world',
        destination: balance,
        allow_overdraft: true,
      })),
    });
  const digitCount = BODY_MAX_BYTES - 40;
  return [
    { name: 'idle (baseline)', method: 'GET', path: '/' },
    {
      name: `precise_amount of ${(digitCount / 1e6).toFixed(1)} M digits`,
      method: 'POST',
      path: '/transactions',
      body: `{"precise_amount":${digits(digitCount)}}`,
    },
    {
      name: `precise_amount string of ${(digitCount / 1e6).toFixed(1)} M digits`,
      method: 'POST',
      path: '/transactions',
      body: `{"precise_amount":"${digits(digitCount)}"}`,
    },
    { name: 'meta_data nested 800,000 levels', method: 'POST', path: '/ledgers', body: deep(800_000) },
    {
      name: '5 MB meta_data of short keys',
      method: 'POST',
      path: '/ledgers',
      body: '{"name":"m","meta_data":{' + Array.from({ length: 260_000 }, (_, i) => `"k${i}":1`).join(',') + '}}',
    },
    {
      name: '5 MB string with a NUL at the end',
      method: 'POST',
      path: '/ledgers',
      body: `{"name":"${'x'.repeat(BODY_MAX_BYTES - 30)}\\u0000"}`,
    },
    { name: 'valid bulk of 10,000 queued transfers', method: 'POST', path: '/transactions/bulk', body: bulk(10_000) },
  ];
}

async function main(): Promise<void> {
  const database = await createBenchDatabase(process.env.BLNK_DATA_SOURCE_DNS);
  const kassa = await startKassaChild(database, { kassa_dir: process.cwd() });
  try {
    const ledger = await (await fetch(`${kassa.url}/ledgers`, { method: 'POST', body: '{"name":"stall"}' })).json();
    const balance = await (
      await fetch(`${kassa.url}/balances`, {
        method: 'POST',
        body: JSON.stringify({ ledger_id: ledger.ledger_id, currency: 'USD' }),
      })
    ).json();
    console.log(`# event-loop stall per request kind: probe GET / every ${PROBE_INTERVAL_MS} ms, ${ROUND_MS} ms per kind`);
    console.log(
      `# ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}, Node ${process.version}, ${database.kind}, load ${loadavg()[0].toFixed(2)}`,
    );
    console.log('| request kind | answered | request ms (median) | probe p50 ms | probe p99 ms | probe max ms |');
    console.log('|---|---|---:|---:|---:|---:|');
    for (const kind of cases(balance.balance_id)) {
      const probes: number[] = [];
      const own: number[] = [];
      const statuses = new Set<number>();
      const deadline = performance.now() + ROUND_MS;
      const probing = (async () => {
        while (performance.now() < deadline) {
          probes.push((await request(kassa.url, 'GET', '/')).ms);
          await new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS));
        }
      })();
      if (kind.body !== undefined) {
        while (performance.now() < deadline) {
          const answer = await request(kassa.url, kind.method, kind.path, kind.body);
          own.push(answer.ms);
          statuses.add(answer.status);
        }
      }
      await probing;
      probes.sort((a, b) => a - b);
      own.sort((a, b) => a - b);
      const fmt = (n: number) => (Number.isNaN(n) ? '—' : n.toFixed(1));
      console.log(
        `| ${kind.name} | ${[...statuses].join(', ') || '—'} | ${fmt(percentile(own, 50))} | ${fmt(percentile(probes, 50))} | ${fmt(percentile(probes, 99))} | ${fmt(probes[probes.length - 1])} |`,
      );
    }
  } finally {
    await kassa.stop();
    await database.drop();
  }
}

await main();
