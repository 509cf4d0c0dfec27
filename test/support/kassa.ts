// Starting Kassa for black-box tests: in this process (fast) or as a child process (for crashes,
// restarts and several processes on one database). Either way tests speak HTTP to a real port.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/log.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { HttpClient } from './http.js';

export interface KassaOptions {
  /** Extra BLNK_* settings. */
  env?: Record<string, string>;
  /** Reuse a database (for restarts and several processes); a fresh one otherwise. */
  database?: TestDatabase;
}

export interface TestKassa {
  url: string;
  http: HttpClient;
  database: TestDatabase;
  server: RunningServer;
  /** Stops the server; keeps the database. */
  stop(): Promise<void>;
  /** Stops the server and drops the database. */
  close(): Promise<void>;
}

/** Where test servers write backups unless a test says otherwise: never the working folder. */
let backupDir: string | undefined;
function testBackupDir(): string {
  if (!backupDir) {
    const dir = mkdtempSync(join(tmpdir(), 'kassa-test-backups-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    backupDir = dir;
  }
  return backupDir;
}

function testEnv(database: TestDatabase, extra: Record<string, string> = {}): Record<string, string> {
  return { BLNK_SERVER_PORT: '0', BLNK_BACKUP_DIR: testBackupDir(), ...database.env, ...extra };
}

export async function startKassa(options: KassaOptions = {}): Promise<TestKassa> {
  const database = options.database ?? (await createTestDatabase());
  const env = testEnv(database, options.env);
  const config = loadConfig({ path: null, env });
  const server = await startServer(config, {
    host: '127.0.0.1',
    logger: createLogger(process.env.KASSA_TEST_LOG_LEVEL ?? 'silent'),
  });
  const url = `http://127.0.0.1:${server.port}`;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await server.close();
  };
  return {
    url,
    http: new HttpClient(url),
    database,
    server,
    stop,
    async close() {
      await stop();
      if (!options.database) await database.drop();
    },
  };
}

export interface KassaProcess {
  url: string;
  http: HttpClient;
  child: ChildProcess;
  /** Everything the process wrote, for assertions on logs. */
  output(): string;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: a crash. */
  kill(): Promise<void>;
}

const PROCESS_START_TIMEOUT_MS = 60_000;

function kassaArgs(command: string, args: string[] = []): string[] {
  return ['--import', 'tsx', 'src/main.ts', ...args, command];
}

/** Runs a one-shot `kassa` command (migrate, keys, ...) to completion. */
export async function runKassa(
  database: TestDatabase,
  command: string,
  options: { env?: Record<string, string>; args?: string[] } = {},
): Promise<{ code: number | null; output: string }> {
  const env = { ...process.env, ...testEnv(database, options.env), KASSA_LOG_LEVEL: 'info' };
  const child = spawn(process.execPath, kassaArgs(command, options.args), { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, output };
}

/** Runs `kassa <command>` from source in a child process and waits until it listens. */
export async function spawnKassa(
  database: TestDatabase,
  options: { env?: Record<string, string>; command?: string; args?: string[] } = {},
): Promise<KassaProcess> {
  const env = { ...process.env, ...testEnv(database, options.env), KASSA_LOG_LEVEL: 'info' };
  const child = spawn(process.execPath, kassaArgs(options.command ?? 'start', options.args), {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kassa did not start:\n${output}`)), PROCESS_START_TIMEOUT_MS);
    const check = () => {
      // JSON lines, or pino-pretty's (KASSA_LOG_FORMAT=pretty): the field on a line of its own.
      const match = /"port":(\d+),"database"/.exec(output) ?? /kassa listening[^\n]*\n\s+port: (\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`kassa exited before listening:\n${output}`));
    });
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    http: new HttpClient(url),
    child,
    output: () => output,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
