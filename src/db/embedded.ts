import { mkdirSync, openSync, closeSync, writeFileSync, readFileSync, unlinkSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { Database, Queryable } from './database.js';
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
function queryable(pglite: PGlite, tx?: Transaction): Queryable {
  return {
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
 * corrupt it. A lock file holding the owner's pid refuses the second opener with a clear message.
 */
function lockDataDir(dataDir: string): () => void {
  const lockPath = join(dataDir, 'kassa.pid');
  if (existsSync(lockPath)) {
    const owner = Number(readFileSync(lockPath, 'utf8'));
    if (owner !== process.pid && processAlive(owner)) {
      throw new Error(
        `the embedded database in ${dataDir} is in use by process ${owner}; ` +
          'run one Kassa process per data folder, or configure data_source.dns to share PostgreSQL',
      );
    }
  }
  const fd = openSync(lockPath, 'w');
  writeFileSync(fd, String(process.pid));
  closeSync(fd);
  return () => {
    try {
      unlinkSync(lockPath);
    } catch {
      // already gone
    }
  };
}

export async function openEmbedded(dataDir: string): Promise<Database> {
  mkdirSync(dataDir, { recursive: true });
  const unlock = lockDataDir(dataDir);
  const pglite = await PGlite.create({ dataDir: join(dataDir, 'pgdata'), parsers: TYPE_PARSERS });
  await pglite.exec("SET TIME ZONE 'UTC'");
  const direct = queryable(pglite);
  return {
    kind: 'embedded',
    query: direct.query,
    exec: direct.exec,
    // PGlite runs one transaction at a time; other queries wait for it.
    transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
      return pglite.transaction((tx) => work(queryable(pglite, tx)));
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
