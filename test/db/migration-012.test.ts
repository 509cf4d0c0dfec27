// Migration 012 moves the tokenized-field flags a Blnk database kept in identity meta_data into the
// server's own column, on both databases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMigrations, migrate } from '../../src/db/migrate.js';
import { openDatabase } from '../../src/db/open.js';
import { createTestDatabase, TEST_DATABASE_URL } from '../support/database.js';

test('flags in meta_data.tokenized_fields become the tokenized_fields column', async () => {
  // an empty database: on PostgreSQL the suite's fresh one, embedded a new folder (not the migrated template)
  const database = TEST_DATABASE_URL ? await createTestDatabase() : undefined;
  const dir = database ? '' : mkdtempSync(join(tmpdir(), 'kassa-migration-'));
  const db = await openDatabase({ url: database?.url, data_dir: dir, max_connections: 2 });
  try {
    const migrations = loadMigrations();
    await migrate(
      db,
      migrations.filter((m) => m.version < '012'),
    );
    await db.query(
      `INSERT INTO identities (identity_id, first_name, meta_data) VALUES
         ('idt_a', 'FPT:Abc:xyz', '{"tokenized_fields": {"FirstName": true, "LastName": false, "Street": true}, "tier": 1}'),
         ('idt_b', 'Ada', '{"tier": 2}'),
         ('idt_c', 'Ada', NULL),
         ('idt_d', 'Ada', '{"tokenized_fields": "not a map"}')`,
    );
    const said: string[] = [];
    const applied = await migrate(
      db,
      migrations.filter((m) => m.version < '013'),
      ({ migration }, message) => said.push(`${message} ${migration}`),
    );
    assert.ok(applied.some((version) => version.startsWith('012')));
    // what a long migration prints while it runs
    assert.deepEqual(said, [`applying migration ${applied[0]}`, `migration applied ${applied[0]}`]);
    const rows = await db.query<{ identity_id: string; tokenized_fields: string[]; meta_data: unknown }>(
      'SELECT identity_id, tokenized_fields, meta_data FROM identities ORDER BY identity_id',
    );
    assert.deepEqual(rows, [
      { identity_id: 'idt_a', tokenized_fields: ['FirstName', 'Street'], meta_data: { tier: 1 } },
      { identity_id: 'idt_b', tokenized_fields: [], meta_data: { tier: 2 } },
      { identity_id: 'idt_c', tokenized_fields: [], meta_data: null },
      { identity_id: 'idt_d', tokenized_fields: [], meta_data: { tokenized_fields: 'not a map' } },
    ]);
  } finally {
    await db.close();
    if (database) await database.drop();
    else rmSync(dir, { recursive: true, force: true });
  }
});
