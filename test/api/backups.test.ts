// Backups (blnk-contract.md platform §11.1, behaviour 77): a plain-SQL dump in Blnk's layout, by pg_dump on
// PostgreSQL and PGlite's pg_dump on the embedded database, restorable into a fresh database; the
// S3 upload against a real S3-protocol server; failures in Blnk's nested shape.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase } from '../support/database.js';
import { startKassa, type TestKassa } from '../support/kassa.js';
import { startS3, type TestS3 } from '../support/s3-server.js';

const onPostgres = TEST_DATABASE_URL !== '';

function dumpsIn(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.sql'))
    .map((name) => join(dir, name));
}

/** A fresh database holding what `file` says. */
async function restore(file: string): Promise<TestDatabase> {
  if (onPostgres) {
    const database = await createTestDatabase(); // an empty database on the test server
    const restored = spawnSync('psql', ['-q', '-v', 'ON_ERROR_STOP=1', '-d', database.url as string, '-f', file], {
      encoding: 'utf8',
    });
    assert.equal(restored.status, 0, restored.stderr);
    return database;
  }
  // not the test template: the dump holds the schema and the migration records itself
  const dir = mkdtempSync(join(tmpdir(), 'kassa-restore-'));
  // The dump creates pg_trgm (search, migration 014): the restoring PGlite loads it.
  const db = await PGlite.create({ dataDir: join(dir, 'pgdata'), extensions: { pg_trgm } });
  await db.exec(readFileSync(file, 'utf8'));
  await db.close();
  return { env: { KASSA_DATA_DIR: dir }, drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

async function seed(kassa: TestKassa): Promise<void> {
  const ledger = (await kassa.http.post('/ledgers', { name: 'backed up' })).body.ledger_id;
  const balances: string[] = [];
  for (let i = 0; i < 3; i++) {
    balances.push((await kassa.http.post('/balances', { ledger_id: ledger, currency: 'USD' })).body.balance_id);
  }
  for (let i = 0; i < 5; i++) {
    const posted = await kassa.http.post('/transactions', {
      amount: 12.5 + i,
      precision: 100,
      currency: 'USD',
      description: 'backed up',
      reference: `backup-${i}`,
      source: balances[i % 3],
      destination: balances[(i + 1) % 3],
      allow_overdraft: true,
      skip_queue: true,
    });
    assert.equal(posted.status, 201);
  }
  await kassa.http.post('/identities', { first_name: 'Ada', meta_data: { big: 123456789012345678901234567890n } });
}

async function ledgerState(kassa: TestKassa): Promise<unknown> {
  const [ledgers, balances, transactions, identities] = await Promise.all(
    ['/ledgers?limit=100', '/balances?limit=100', '/transactions?limit=100', '/identities'].map(
      async (path) => (await kassa.http.get(path)).text,
    ),
  );
  return { ledgers, balances, transactions, identities };
}

function assertBackupFailed(response: { status: number; body: any }, reason: RegExp): void {
  assert.equal(response.status, 500);
  assert.deepEqual(response.body.error, { code: 'INTERNAL_SERVER_ERROR', message: 'error creating backup', details: {} });
  assert.equal(response.body.error_detail.code, 'ADMIN_BACKUP_FAILED');
  assert.match(response.body.error_detail.details.reason, reason);
}

describe('backups', () => {
  let kassa: TestKassa;
  let s3: TestS3;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kassa-backups-'));
    s3 = await startS3(['kassa-backups']);
    kassa = await startKassa({ env: { BLNK_BACKUP_DIR: dir, ...s3.env('kassa-backups') } });
    await seed(kassa);
  });
  after(async () => {
    await kassa.close();
    await s3.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('GET /backup writes <dir>/<date>/<db>-<HHMMSS>.sql that restores to the same ledger', async () => {
    const started = new Date().toISOString().slice(0, 10);
    const answer = await kassa.http.get('/backup');
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.text, '"backup successful"');
    const [file, ...more] = dumpsIn(dir);
    assert.equal(more.length, 0);
    const database = onPostgres ? new URL(kassa.database.url as string).pathname.slice(1) : 'kassa';
    const date = file.split('/').at(-2) as string;
    assert.ok(date >= started, date);
    assert.match(file.split('/').at(-1) as string, new RegExp(`^${database}-\\d{6}\\.sql$`));

    const restoredDb = await restore(file);
    const restored = await startKassa({ database: restoredDb });
    try {
      assert.deepEqual(await ledgerState(restored), await ledgerState(kassa));
    } finally {
      await restored.stop();
      await restoredDb.drop();
    }
    rmSync(file);
  });

  test('GET /backup-s3 uploads the dump under its file name and keeps the local file', async () => {
    const answer = await kassa.http.get('/backup-s3');
    assert.equal(answer.status, 200, answer.text);
    const [file] = dumpsIn(dir);
    const uploaded = await s3.read('kassa-backups', file.split('/').at(-1) as string);
    assert.equal(uploaded, readFileSync(file, 'utf8'));
    assert.match(uploaded, /CREATE TABLE public\.transactions/);
    rmSync(file);
  });
});

describe('backups one at a time', () => {
  test('a backup while one runs is 409; backup-s3 without a bucket fails before dumping', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kassa-backups-'));
    const kassa = await startKassa({ env: { BLNK_BACKUP_DIR: dir } });
    try {
      // five at once: a dump takes far longer than five requests take to arrive
      const answers = await Promise.all([1, 2, 3, 4, 5].map(() => kassa.http.get('/backup')));
      const made = answers.filter((a) => a.status === 200).length;
      const refused = answers.filter((a) => a.status === 409);
      assert.equal(made + refused.length, answers.length, answers.map((a) => a.text).join('\n'));
      assert.ok(made >= 1 && refused.length >= 1);
      for (const answer of refused) assert.equal(answer.body.error_detail.code, 'GEN_CONFLICT');
      assert.equal(dumpsIn(dir).length, made);
      assertBackupFailed(await kassa.http.get('/backup-s3'), /s3_bucket_name is not set/);
      assert.equal(dumpsIn(dir).length, made, 'no dump for an upload that cannot happen');
    } finally {
      await kassa.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('backup failures', () => {
  let s3: TestS3;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kassa-backups-'));
    s3 = await startS3([]);
  });
  after(async () => {
    await s3.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a backup_dir that cannot be written, and an S3 that refuses: 500 ADMIN_BACKUP_FAILED', async () => {
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, 'not a folder');
    const kassa = await startKassa({ env: { BLNK_BACKUP_DIR: join(blocker, 'backups'), ...s3.env('missing-bucket') } });
    try {
      assertBackupFailed(await kassa.http.get('/backup'), /backup_dir cannot be written/);
      await kassa.stop();
      const second = await startKassa({ database: kassa.database, env: { BLNK_BACKUP_DIR: dir, ...s3.env('missing-bucket') } });
      try {
        const refused = await second.http.get('/backup-s3');
        assertBackupFailed(refused, /upload to S3 failed \(NoSuchBucket\)/);
        assert.equal(refused.text.includes('S3RVER'), false, 'no key in the answer');
      } finally {
        await second.stop();
      }
    } finally {
      await kassa.database.drop();
    }
  });

  test('PostgreSQL: a URL without an explicit port, or no pg_dump, fails as in Blnk (77)', { skip: !onPostgres }, async () => {
    const url = new URL(TEST_DATABASE_URL);
    const dumpsBefore = dumpsIn(dir);
    const probe = await startKassa({ env: { BLNK_BACKUP_DIR: dir } });
    try {
      await probe.stop();
      const withoutPort = new URL(probe.database.url as string);
      withoutPort.port = '';
      assert.equal(url.port === '' || url.port === '5432', true, 'the test server listens on the default port');
      const portless = await startKassa({
        database: { ...probe.database, env: { BLNK_DATA_SOURCE_DNS: withoutPort.toString() } },
        env: { BLNK_BACKUP_DIR: dir },
      });
      try {
        assertBackupFailed(await portless.http.get('/backup'), /host and port/);
      } finally {
        await portless.stop();
      }
      const noTool = await startKassa({
        database: probe.database,
        env: { BLNK_BACKUP_DIR: dir, KASSA_PG_DUMP_PATH: '/nonexistent/pg_dump' },
      });
      try {
        assertBackupFailed(await noTool.http.get('/backup'), /not found/);
      } finally {
        await noTool.stop();
      }
      assert.deepEqual(dumpsIn(dir), dumpsBefore, 'a failed dump leaves no file');
    } finally {
      await probe.database.drop();
    }
  });
});
