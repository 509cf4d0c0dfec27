// Configuration hygiene at start and `kassa secret` (issue 17, item 6): the warnings name the file
// and the keys, never a value; secrets can come from *_FILE.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase } from '../support/database.js';
import { spawnKassa } from '../support/kassa.js';

test('kassa secret prints a new strong key each time', () => {
  const run = () => spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts', 'secret'], { encoding: 'utf8' });
  const [first, second] = [run(), run()];
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stdout, /^[A-Za-z0-9_-]{43}\n$/);
  assert.notEqual(first.stdout, second.stdout);
});

test('a start with secrets in a world-readable blnk.json and a weak master key warns, naming keys and never values', async () => {
  const database = await createTestDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'kassa-hygiene-'));
  const file = join(dir, 'blnk.json');
  const weakKey = 'password-password-password-12345';
  const tokenFile = join(dir, 'metrics-token');
  writeFileSync(file, JSON.stringify({ server: { secure: true, secret_key: weakKey } }));
  chmodSync(file, 0o644);
  writeFileSync(tokenFile, 'token-from-a-file-9f8e\n');
  const kassa = await spawnKassa(database, {
    args: ['--config', file],
    env: { BLNK_ENABLE_OBSERVABILITY: 'true', BLNK_METRICS_BEARER_TOKEN_FILE: tokenFile },
  });
  try {
    const output = kassa.output();
    assert.match(output, /SECURITY: .*blnk\.json holds secrets \(server\.secret_key\) and is readable by group or others/);
    assert.match(output, /SECURITY: server\.secret_key contains a dictionary word or placeholder/);
    assert.ok(!output.includes(weakKey));
    assert.equal((await kassa.http.get('/metrics', { Authorization: 'Bearer token-from-a-file-9f8e' })).status, 200);
    assert.equal((await kassa.http.get('/ledgers', { 'X-Blnk-Key': weakKey })).status, 200);
  } finally {
    await kassa.stop();
    await database.drop();
  }
});
