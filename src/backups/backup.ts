// Backups (docs/blnk-contract.md "Backups"): a plain-SQL dump in `<backup_dir>/<YYYY-MM-DD>/
// <database>-<HHMMSS>.sql` (UTC), by pg_dump on PostgreSQL and by PGlite's pg_dump on the
// embedded database; optionally uploaded to S3. One backup at a time per process.
import { existsSync } from 'node:fs';
import { access, constants, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import { ApiError } from '../errors.js';
import type { Database } from '../db/database.js';
import { dumpEmbedded } from './embedded-dump.js';
import { BackupError } from './errors.js';
import { pgDumpEnvironment, runPgDump } from './pg-dump.js';

/** The name the embedded database's dumps carry where PostgreSQL's carry the database name. */
const EMBEDDED_NAME = 'kassa';
const PING_TIMEOUT_MS = 5000;

/** `<dir>/<YYYY-MM-DD>/<name>-<HHMMSS>.sql`, with `-2`, `-3`, ... when that second is taken. */
function backupFile(dir: string, name: string, now: Date): string {
  const iso = now.toISOString();
  const stem = join(dir, iso.slice(0, 10), `${name}-${iso.slice(11, 19).replace(/:/g, '')}`);
  let file = `${stem}.sql`;
  for (let n = 2; existsSync(file); n += 1) file = `${stem}-${n}.sql`;
  return file;
}

async function prepareFolder(file: string): Promise<void> {
  const folder = join(file, '..');
  try {
    await mkdir(folder, { recursive: true });
    await access(folder, constants.W_OK);
  } catch {
    throw new BackupError('backup_dir cannot be written');
  }
}

export class Backups {
  private running = false;

  constructor(
    private readonly db: Database,
    private readonly config: Config,
  ) {}

  /** Writes a dump; returns its path. A second request while one runs is 409, not a failure. */
  async toDisk(): Promise<string> {
    if (this.running) throw new ApiError('GEN_CONFLICT', 'a backup is already running; try again when it has finished');
    this.running = true;
    try {
      return await this.dump();
    } finally {
      this.running = false;
    }
  }

  /** Writes a dump and uploads it; the local file is kept. Returns the object key. */
  async toS3(): Promise<string> {
    // refused before dumping: a local file the upload cannot take is of no use
    if (this.config.backup.s3.bucket_name === '') throw new BackupError('s3_bucket_name is not set');
    // Loaded on first use: the AWS SDK costs ~180 ms and ~20 MiB at start for an endpoint few call.
    const { uploadToS3 } = await import('./s3.js');
    return uploadToS3(this.config.backup.s3, await this.toDisk());
  }

  private async dump(): Promise<string> {
    try {
      await this.db.ping(PING_TIMEOUT_MS);
    } catch {
      throw new BackupError('the database did not answer');
    }
    const embedded = this.db.kind === 'embedded';
    const connection = embedded ? undefined : pgDumpEnvironment(this.config.data_source.dns);
    const file = backupFile(this.config.backup.dir, connection?.database ?? EMBEDDED_NAME, new Date());
    await prepareFolder(file);
    try {
      if (connection) await runPgDump(this.config.backup.pg_dump_path, connection.env, file);
      else await dumpEmbedded(this.db, file);
    } catch (error) {
      await rm(file, { force: true });
      throw error;
    }
    return file;
  }
}
