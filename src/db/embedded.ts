import {
  mkdirSync,
  openSync,
  closeSync,
  writeFileSync,
  readFileSync,
  unlinkSync,
  existsSync,
  cpSync,
  readdirSync,
  renameSync,
  rmSync,
  rmdirSync,
} from 'node:fs';
import { fileURLToPath } from 'node:url';
import { basename, dirname, join } from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { CommitTopics, type Database, type Queryable } from './database.js';
import { runStatement } from './pglite-statements.js';
import { TYPE_PARSERS, toSqlParams } from './types.js';

/**
 * PGlite runs each statement synchronously on this thread, so a whole transaction would otherwise
 * run in one event-loop turn. Node accepts one new connection per turn: with 20 ms turns under load,
 * clients that connected then waited seconds in the accept queue (~50 connections/s). Yielding
 * before each statement keeps turns short; it also lets requests read meanwhile join the next flush.
 */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Statements on `pglite` directly, or inside the transaction `tx` it has open. */
function queryable(pglite: PGlite, afterCommit: (topic: string) => void, tx?: Transaction): Queryable {
  return {
    afterCommit,
    async query<Row>(sql: string, params?: readonly unknown[]): Promise<Row[]> {
      await yieldToEventLoop();
      return runStatement<Row>(pglite, sql, toSqlParams(params), tx !== undefined);
    },
    async exec(sql: string): Promise<void> {
      await (tx ?? pglite).exec(sql);
    },
  };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * PGlite keeps its files in one folder that only one process may open: a second process would
 * corrupt it. A lock file holding the owner's pid, created exclusively, refuses the second opener with
 * a clear message; a lock left by a process that is gone is taken over.
 */
function lockDataDir(dataDir: string): () => void {
  const lockPath = join(dataDir, 'kassa.pid');
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSync(lockPath, 'utf8'));
      // an empty file is a lock being written this instant
      if (attempt > 0 || !(owner > 0) || (owner !== process.pid && processAlive(owner))) {
        throw new Error(
          `the embedded database in ${dataDir} is in use by process ${owner || 'starting now'}; ` +
            'run one Kassa process per data folder, or configure data_source.dns to share PostgreSQL',
          { cause: error },
        );
      }
      unlinkSync(lockPath);
    }
  }
  return () => {
    try {
      unlinkSync(lockPath);
    } catch {
      // already gone
    }
  };
}

/**
 * initdb sizes shared_buffers at 128 MB, and PGlite makes all of it resident at start (~110 MiB of
 * the idle RSS). 32 MB holds the hot pages of a ledger; other reads come from the OS page cache.
 * On the command line so that it also applies to data folders created before this setting.
 */
const SHARED_BUFFERS = '32MB';
export const PGLITE_OPTIONS = {
  startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${SHARED_BUFFERS}`],
  initDbStartParams: ['--set', `shared_buffers=${SHARED_BUFFERS}`],
};

/** initdb's output, made at build time by scripts/make-pgdata-template.mjs with this PGlite version. */
const TEMPLATE_DIR = fileURLToPath(new URL('./pgdata-template/', import.meta.url));
const TEMPLATE_STAMP = 'KASSA_PGLITE_VERSION';
/** What a template is made with: PGlite's version and Kassa's initdb settings. */
function templateStamp(): string {
  return `${pgliteVersion()} ${JSON.stringify(PGLITE_OPTIONS.initDbStartParams)}`;
}

export function pgliteVersion(): string {
  const manifest = new URL('../package.json', import.meta.resolve('@electric-sql/pglite'));
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

/**
 * A new data folder starts as a copy of the build's initdb output: PGlite's own initdb takes ~4 s,
 * and its second WASM instance stays in memory (~450 MiB) until a major GC that an idle server never
 * runs. Copied beside and renamed, so an interrupted copy never looks like a database. Without a
 * template of this PGlite version, PGlite runs initdb as before.
 */
function seedFromTemplate(pgdata: string, template_dir: string): void {
  // Copies a crash left half made (the caller holds the folder's lock, so none is in progress).
  const parent = dirname(pgdata);
  for (const name of readdirSync(parent))
    if (name.startsWith(`${basename(pgdata)}.seed-`)) rmSync(join(parent, name), { recursive: true, force: true });
  if (existsSync(pgdata) && readdirSync(pgdata).length > 0) return;
  const stamp = join(template_dir, TEMPLATE_STAMP);
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== templateStamp()) return;
  const staging = `${pgdata}.seed-${process.pid}`;
  cpSync(template_dir, staging, { recursive: true, filter: (src) => !src.endsWith(TEMPLATE_STAMP) });
  if (existsSync(pgdata)) rmdirSync(pgdata); // empty, as checked: never a database
  renameSync(staging, pgdata);
}

/** Runs initdb into `template_dir` with Kassa's settings (at build time; skipped when current). */
export async function writePgdataTemplate(template_dir: string = TEMPLATE_DIR): Promise<void> {
  const stamp = join(template_dir, TEMPLATE_STAMP);
  const version = templateStamp();
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === version) return;
  rmSync(template_dir, { recursive: true, force: true });
  const pglite = await PGlite.create({ dataDir: template_dir, ...PGLITE_OPTIONS });
  await pglite.close();
  rmSync(join(template_dir, 'postmaster.pid'), { force: true });
  writeFileSync(stamp, version);
}

export interface EmbeddedOptions {
  /** initdb's output to start a new data folder from (default: the build's, beside this file). */
  template_dir?: string;
  /** Sets the session's kassa.hash_chain, which switches the chain trigger on (migration 020). */
  hash_chain?: boolean;
}

export async function openEmbedded(dataDir: string, options: EmbeddedOptions = {}): Promise<Database> {
  mkdirSync(dataDir, { recursive: true });
  const unlock = lockDataDir(dataDir);
  const pgdata = join(dataDir, 'pgdata');
  seedFromTemplate(pgdata, options.template_dir ?? TEMPLATE_DIR);
  // pg_trgm for search's word matching and typo tolerance (migration 014).
  const pglite = await PGlite.create({ dataDir: pgdata, parsers: TYPE_PARSERS, extensions: { pg_trgm }, ...PGLITE_OPTIONS });
  await pglite.exec("SET TIME ZONE 'UTC'");
  if (options.hash_chain) await pglite.exec("SET kassa.hash_chain = 'on'");
  const committed = new CommitTopics();
  const direct = queryable(pglite, (topic) => committed.announce([topic]));
  return {
    kind: 'embedded',
    query: direct.query,
    exec: direct.exec,
    afterCommit: direct.afterCommit,
    onCommitted: (listener) => committed.on(listener),
    // PGlite runs one transaction at a time; other queries wait for it.
    async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
      const topics = new Set<string>();
      const result = await pglite.transaction((tx) => work(queryable(pglite, (topic) => topics.add(topic), tx)));
      committed.announce(topics);
      return result;
    },
    // Inside a transaction so that no other transaction is half written while the files are read.
    snapshot: () => pglite.transaction(() => pglite.dumpDataDir('none')),
    async ping(): Promise<void> {
      await pglite.query('SELECT 1');
    },
    async close(): Promise<void> {
      if (pglite.closed) return;
      await pglite.close();
      unlock();
    },
  };
}
