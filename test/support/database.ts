// A fresh, migrated database for each server a test starts: a copy of a migrated embedded data
// folder by default, or a new database on the PostgreSQL server named by KASSA_TEST_DATABASE_URL.
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { openEmbedded } from '../../src/db/embedded.js';
import { migrate } from '../../src/db/migrate.js';

export const TEST_DATABASE_URL = process.env.KASSA_TEST_DATABASE_URL ?? '';

/** Builds a migrated embedded data folder at `dir` (run once per test run by scripts/run-tests.mjs). */
export async function buildEmbeddedTemplate(dir: string): Promise<void> {
  const db = await openEmbedded(dir);
  await migrate(db);
  await db.close();
}

let templateDir: string | undefined;

async function embeddedTemplate(): Promise<string> {
  const shared = process.env.KASSA_TEST_TEMPLATE_DIR;
  if (shared && existsSync(join(shared, 'pgdata'))) return shared;
  if (!templateDir) {
    templateDir = mkdtempSync(join(tmpdir(), 'kassa-template-'));
    await buildEmbeddedTemplate(templateDir);
  }
  return templateDir;
}

export interface TestDatabase {
  /** Settings for Kassa: a data folder, or a PostgreSQL URL. */
  env: Record<string, string>;
  url?: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

export async function createTestDatabase(): Promise<TestDatabase> {
  if (TEST_DATABASE_URL) {
    const name = `kassa_test_${randomUUID().replace(/-/g, '')}`;
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = withDatabase(TEST_DATABASE_URL, name);
    return {
      env: { BLNK_DATA_SOURCE_DNS: url },
      url,
      async drop() {
        const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
        await client.connect();
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
        await client.end();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'kassa-test-'));
  cpSync(await embeddedTemplate(), dir, { recursive: true });
  rmSync(join(dir, 'kassa.pid'), { force: true });
  return {
    env: { KASSA_DATA_DIR: dir },
    async drop() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
