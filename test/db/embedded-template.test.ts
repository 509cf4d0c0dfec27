// A new embedded data folder starts as a copy of initdb's output made at build time (faster, and
// without initdb's WebAssembly instance left in memory); it then migrates and keeps its data like any.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbedded, writePgdataTemplate } from '../../src/db/embedded.js';
import { migrate } from '../../src/db/migrate.js';
import { TEST_DATABASE_URL } from '../support/database.js';

test(
  'a new data folder is seeded from the template, migrates, and keeps its data',
  { skip: TEST_DATABASE_URL !== '' && 'embedded database only' },
  async () => {
    const work = mkdtempSync(join(tmpdir(), 'kassa-seed-'));
    try {
      const template_dir = join(work, 'template');
      await writePgdataTemplate(template_dir);
      assert.ok(existsSync(join(template_dir, 'PG_VERSION')));
      const data_dir = join(work, 'data');
      const db = await openEmbedded(data_dir, { template_dir });
      try {
        assert.ok((await migrate(db)).length > 0, 'the template holds no migrations: they run at the first start');
        await db.query(`INSERT INTO ledgers (ledger_id, name) VALUES ('ldg_seeded', 'seeded')`);
        const [setting] = await db.query<{ shared_buffers: string }>('SHOW shared_buffers');
        assert.equal(setting.shared_buffers, '32MB');
      } finally {
        await db.close();
      }
      assert.deepEqual(
        readdirSync(data_dir).filter((name) => name.includes('.seed-')),
        [],
        'no staging copy left behind',
      );
      // Seeded, not made by initdb: two folders from one template share its system identifier.
      const other = await openEmbedded(join(work, 'other'), { template_dir });
      const identifier = async (opened: typeof other) =>
        (await opened.query<{ id: string }>('SELECT system_identifier::text AS id FROM pg_control_system()'))[0].id;
      const otherId = await identifier(other);
      await other.close();
      const again = await openEmbedded(data_dir, { template_dir });
      try {
        assert.deepEqual(await migrate(again), []);
        assert.equal(await identifier(again), otherId);
        assert.equal(
          (await again.query<{ name: string }>(`SELECT name FROM ledgers WHERE ledger_id = 'ldg_seeded'`))[0]?.name,
          'seeded',
        );
      } finally {
        await again.close();
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  },
);
