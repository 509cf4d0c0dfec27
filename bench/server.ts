// What a bench run needs besides the generator: a fresh database (a new database on the given
// PostgreSQL server, or a new embedded data folder), a Kassa child process on it (started from source,
// logging at `warn` so the access log does not dominate the profile), and its resident memory.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Database } from '../src/db/database.js';
import { openEmbedded } from '../src/db/embedded.js';
import { openPostgres } from '../src/db/postgres.js';

export interface BenchDatabase {
  kind: 'postgres' | 'embedded';
  /** Settings for the Kassa child. */
  env: Record<string, string>;
  /** Opens the database for the invariant check (embedded: only once the child has exited). */
  open(): Promise<Database>;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A new database on the server of `admin_url`, or a new embedded data folder when it is absent. */
export async function createBenchDatabase(admin_url: string | undefined): Promise<BenchDatabase> {
  if (admin_url) {
    const name = `kassa_bench_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
    await adminQuery(admin_url, `CREATE DATABASE ${name}`);
    const url = withDatabase(admin_url, name);
    return {
      kind: 'postgres',
      env: { BLNK_DATA_SOURCE_DNS: url },
      open: () => openPostgres({ url, max_connections: 2 }),
      drop: () => adminQuery(admin_url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'kassa-bench-'));
  return {
    kind: 'embedded',
    env: { KASSA_DATA_DIR: dir },
    open: () => openEmbedded(dir),
    async drop() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

export interface KassaChild {
  url: string;
  pid: number;
  /** Current resident set size in MiB (VmRSS of /proc/<pid>/status). */
  rssMiB(): number | undefined;
  /** CPU seconds used so far. */
  cpuSeconds(): number | undefined;
  /** SIGTERM, wait for the exit (bounded), SIGKILL past the bound. */
  stop(): Promise<void>;
  output(): string;
}

const START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 60_000;
const OUTPUT_KEPT_CHARS = 20_000;

const CLOCK_TICKS_PER_S = 100;

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export function readCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S;
  } catch {
    return undefined;
  }
}

export function readRssMiB(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** `start` serves HTTP (and applies the queue unless KASSA_WORKER_ENABLED=false); `workers` only applies. */
export type KassaCommand = 'start' | 'workers';

const WORKER_READY_TEXT = 'kassa worker running';

export async function startKassaChild(
  database: BenchDatabase,
  options: { env?: Record<string, string>; node_args?: string[]; kassa_dir: string; command?: KassaCommand },
): Promise<KassaChild> {
  const command = options.command ?? 'start';
  const port = await freePort();
  const env = {
    ...process.env,
    // The worker process says it is ready at level info (and logs little else).
    KASSA_LOG_LEVEL: command === 'workers' ? 'info' : 'warn',
    ...database.env,
    ...options.env,
    BLNK_SERVER_PORT: String(port),
  };
  const child: ChildProcess = spawn(process.execPath, [...(options.node_args ?? []), '--import', 'tsx', 'src/main.ts', command], {
    env,
    cwd: options.kassa_dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_KEPT_CHARS);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`kassa exited before listening:\n${output}`);
    if (command === 'workers') {
      if (output.includes(WORKER_READY_TEXT)) break;
    } else {
      try {
        const response = await fetch(`${url}/health`);
        if (response.ok) break;
      } catch {
        // not listening yet
      }
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`kassa did not answer /health within ${START_TIMEOUT_MS} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    pid: child.pid!,
    rssMiB: () => readRssMiB(child.pid!),
    cpuSeconds: () => readCpuSeconds(child.pid!),
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
    output: () => output,
  };
}

/** Several Kassa processes measured as one: CPU and RSS summed, stopped together. */
export function combineChildren(children: readonly KassaChild[]): KassaChild {
  const sum = (read: (child: KassaChild) => number | undefined) => () => {
    const values = children.map(read);
    return values.some((value) => value === undefined) ? undefined : values.reduce((a, b) => a! + b!, 0);
  };
  return {
    url: children[0].url,
    pid: children[0].pid,
    rssMiB: sum((child) => child.rssMiB()),
    cpuSeconds: sum((child) => child.cpuSeconds()),
    stop: async () => {
      await Promise.all(children.map((child) => child.stop()));
    },
    output: () => children.map((child) => child.output()).join('\n'),
  };
}

/** Samples a process's RSS every `interval_ms`; reports the peak and the last value. */
export class RssSampler {
  private timer: NodeJS.Timeout;
  peak_mib = 0;
  last_mib = 0;
  readonly samples: number[] = [];

  constructor(
    read: () => number | undefined,
    private readonly interval_ms: number,
  ) {
    const sample = () => {
      const value = read();
      if (value === undefined) return;
      this.last_mib = value;
      this.peak_mib = Math.max(this.peak_mib, value);
      this.samples.push(value);
    };
    sample();
    this.timer = setInterval(sample, interval_ms);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** The peak of each consecutive window of `window_ms` (a growing series means unbounded memory). */
  windowPeaks(window_ms: number): number[] {
    const per_window = Math.max(1, Math.round(window_ms / this.interval_ms));
    const peaks: number[] = [];
    for (let i = 0; i < this.samples.length; i += per_window) {
      peaks.push(Math.max(...this.samples.slice(i, i + per_window)));
    }
    return peaks;
  }
}
