// `kassa keys create`: the operator's way to the first key, on the configured database.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createTestDatabase } from '../support/database.js';
import { startKassa } from '../support/kassa.js';
import { MASTER_KEY, SECURE_ENV, assertAuthError } from '../support/keys.js';

function kassaCommand(env: Record<string, string>, args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    env: { ...process.env, ...env, KASSA_LOG_LEVEL: 'warn' },
    encoding: 'utf8',
  });
}

test('kassa keys create prints a working key once', async () => {
  const database = await createTestDatabase();
  try {
    const args = ['keys', 'create', '--owner', 'ops', '--name', 'first', '--scopes', 'ledgers:read,api-keys:*'];
    const bad = kassaCommand(database.env, [...args, '--expires', '2027-01-01']);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /RFC 3339/);
    const run = kassaCommand(database.env, [...args, '--expires', '2099-01-01T00:00:00Z']);
    assert.equal(run.status, 0, run.stderr);
    const created = JSON.parse(run.stdout);
    assert.match(created.key, /^[A-Za-z0-9_-]{43}=$/);
    assert.equal(created.owner_id, 'ops');
    assert.deepEqual(created.scopes, ['ledgers:read', 'api-keys:*']);
    assert.equal(created.expires_at, '2099-01-01T00:00:00Z');

    const kassa = await startKassa({ database, env: SECURE_ENV });
    try {
      const key = kassa.http.with({ 'X-Blnk-Key': created.key });
      assert.equal((await key.get('/ledgers')).status, 200);
      assertAuthError(await key.post('/ledgers', { name: 'x' }), 403, 'AUTH_INSUFFICIENT_PERMISSIONS');
      const listed = await key.get('/api-keys');
      assert.equal(listed.status, 200);
      assert.equal(listed.body[0].key, created.key.slice(0, 8) + '...');
      const master = kassa.http.with({ 'X-Blnk-Key': MASTER_KEY });
      assert.equal((await master.get('/api-keys?owner=ops')).body[0].api_key_id, created.api_key_id);
    } finally {
      await kassa.stop();
    }
  } finally {
    await database.drop();
  }
});
