// `GET /backup` on the embedded database: plain SQL from PGlite's own pg_dump (a WASM build, in
// @electric-sql/pglite-tools). It runs on a copy: the data folder's files are read between two
// transactions, then a worker thread opens them as a second in-memory database and dumps that, so
// the live database is never touched by pg_dump and the event loop stays free while it runs.
import { Worker } from 'node:worker_threads';
import { writeFile } from 'node:fs/promises';
import type { Database } from '../db/database.js';
import { BackupError } from './errors.js';

/**
 * The worker's code: opens the archive as an in-memory database and answers its pg_dump. It is
 * source text, not a file, so that it runs the same from dist/ and under tsx (whose loader does
 * not reach worker threads); the modules come as URLs resolved here. `--no-owner`: the dump
 * restores as whoever restores it, on PGlite or PostgreSQL.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const { PGlite } = await import(workerData.pglite_url);
  const { pgDump } = await import(workerData.pg_dump_url);
  const copy = await PGlite.create({ loadDataDir: new Blob([workerData.archive]) });
  try {
    return await (await pgDump({ pg: copy, args: ['--no-owner'] })).text();
  } finally {
    await copy.close();
  }
})().then(
  (sql) => parentPort.postMessage({ sql }),
  (error) => parentPort.postMessage({ error: String(error && error.message ? error.message : error) }),
);
`;

export async function dumpEmbedded(db: Database, file: string): Promise<void> {
  if (!db.snapshot) throw new BackupError('this database cannot be dumped');
  const archive = await (await db.snapshot()).arrayBuffer();
  const sql = await new Promise<string>((resolve, reject) => {
    const workerData = {
      archive,
      pglite_url: import.meta.resolve('@electric-sql/pglite'),
      pg_dump_url: import.meta.resolve('@electric-sql/pglite-tools/pg_dump'),
    };
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData, transferList: [archive] });
    worker.once('message', (message: { sql?: string; error?: string }) => {
      if (message.sql !== undefined) resolve(message.sql);
      else reject(new BackupError('the embedded pg_dump failed', message.error));
    });
    worker.once('error', (error) => reject(new BackupError('the embedded pg_dump failed', error.message)));
    worker.once('exit', (code) => reject(new BackupError(`the embedded pg_dump stopped (exit ${code})`)));
  });
  await writeFile(file, sql, { flag: 'wx' });
}
