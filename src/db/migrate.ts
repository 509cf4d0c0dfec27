// Numbered .sql files applied in order and recorded in `kassa_migrations`. One transaction under an
// advisory lock, so two processes starting at once apply each migration exactly once.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Database } from './database.js';
import { ADVISORY_LOCK_KEY, advisoryLock } from './locks.js';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
/**
 * A migration still running after this long is reported again, so a long one never looks hung. On
 * PostgreSQL only: PGlite runs a statement synchronously on the event loop, so there the line before
 * each migration is all it can say.
 */
const STILL_RUNNING_EVERY_MS = 5_000;

/** Where migrate reports what it is doing (a logger's info, in a server). */
export type MigrationProgress = (fields: { migration: string; elapsed_ms?: number }, message: string) => void;

export interface Migration {
  version: string;
  sql: string;
}

export function loadMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((name) => /^\d+_.+\.sql$/.test(name))
    .sort()
    .map((name) => ({ version: name.replace(/\.sql$/, ''), sql: readFileSync(dir + name, 'utf8') }));
}

/** Applies pending migrations; returns the versions applied now. */
export async function migrate(
  db: Database,
  migrations: Migration[] = loadMigrations(),
  progress: MigrationProgress = () => {},
): Promise<string[]> {
  return db.transaction(async (tx) => {
    await advisoryLock(tx, ADVISORY_LOCK_KEY.migration);
    await tx.exec(
      'CREATE TABLE IF NOT EXISTS kassa_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const rows = await tx.query<{ version: string }>('SELECT version FROM kassa_migrations');
    const applied = new Set(rows.map((row) => row.version));
    const pending = migrations.filter((migration) => !applied.has(migration.version));
    for (const migration of pending) {
      const started_ms = Date.now();
      progress({ migration: migration.version }, 'applying migration');
      const still = setInterval(
        () => progress({ migration: migration.version, elapsed_ms: Date.now() - started_ms }, 'migration still running'),
        STILL_RUNNING_EVERY_MS,
      );
      try {
        await tx.exec(migration.sql);
      } finally {
        clearInterval(still);
      }
      await tx.query('INSERT INTO kassa_migrations (version) VALUES ($1)', [migration.version]);
      progress({ migration: migration.version, elapsed_ms: Date.now() - started_ms }, 'migration applied');
    }
    return pending.map((migration) => migration.version);
  });
}
