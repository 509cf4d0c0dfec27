// Configuration for security operations: secrets read from *_FILE, previous master keys, the
// failure-watch and audit settings, and the start-time hygiene warnings (issue 17, items 1 and 6).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { configurationWarnings, masterKeyWeakness, randomSecret } from '../../src/config/hygiene.js';
import { CONFIG_KEYS } from '../../src/config/known-keys.js';

const STRONG = 'Zq8vN3xR7tLw2mKp9sYd4hFj6bGc1aVe';
const folder = () => mkdtempSync(join(tmpdir(), 'kassa-secrets-'));

function secretFile(content: string): string {
  const path = join(folder(), 'secret');
  writeFileSync(path, content);
  return path;
}

test('every secret can come from <VAR>_FILE, one trailing newline dropped', () => {
  const config = loadConfig({
    path: null,
    env: {
      BLNK_SERVER_SECURE: 'true',
      BLNK_SERVER_SECRET_KEY_FILE: secretFile(`${STRONG}\n`),
      BLNK_SERVER_PREVIOUS_SECRET_KEYS_FILE: secretFile('old-key-one,old-key-two\n'),
      BLNK_TOKENIZATION_SECRET_FILE: secretFile('0123456789abcdef0123456789abcdef'),
      BLNK_METRICS_BEARER_TOKEN_FILE: secretFile('metrics token\n'),
      BLNK_DATA_SOURCE_DNS_FILE: secretFile('postgres://u:p@db/kassa\n'),
    },
  });
  assert.equal(config.server.secret_key, STRONG);
  assert.deepEqual(config.server.previous_secret_keys, ['old-key-one', 'old-key-two']);
  assert.equal(config.tokenization_secret, '0123456789abcdef0123456789abcdef');
  assert.equal(config.server.metrics_bearer_token, 'metrics token');
  assert.equal(config.data_source.dns, 'postgres://u:p@db/kassa');
  const secrets = CONFIG_KEYS.filter((spec) => spec.secret).map((spec) => spec.env);
  for (const name of [
    'BLNK_SERVER_SECRET_KEY',
    'BLNK_TOKENIZATION_SECRET',
    'BLNK_METRICS_BEARER_TOKEN',
    'BLNK_DATA_SOURCE_DNS',
  ]) {
    assert.ok(secrets.includes(name), name);
  }
});

test('a secret set twice, or a *_FILE that cannot be read, refuses to start naming the variable and not the value', () => {
  const path = secretFile('from-file');
  assert.throws(
    () => loadConfig({ path: null, env: { BLNK_SERVER_SECRET_KEY: 'x', BLNK_SERVER_SECRET_KEY_FILE: path } }),
    (error: Error) =>
      error instanceof ConfigError && /BLNK_SERVER_SECRET_KEY and BLNK_SERVER_SECRET_KEY_FILE/.test(error.message),
  );
  assert.throws(
    () => loadConfig({ path: null, env: { BLNK_METRICS_BEARER_TOKEN_FILE: '/nonexistent/token' } }),
    (error: Error) => error instanceof ConfigError && /BLNK_METRICS_BEARER_TOKEN_FILE.*ENOENT/.test(error.message),
  );
  // A variable that is no secret has no _FILE form: it is simply not read.
  assert.equal(loadConfig({ path: null, env: { BLNK_SERVER_PORT_FILE: path } }).server.port, 5001);
});

test('previous master keys: a malformed list refuses to start, naming the key', () => {
  const base = { BLNK_SERVER_SECURE: 'true', BLNK_SERVER_SECRET_KEY: STRONG };
  const refused = (value: string, why: RegExp) =>
    assert.throws(
      () => loadConfig({ path: null, env: { ...base, BLNK_SERVER_PREVIOUS_SECRET_KEYS: value } }),
      (error: Error) =>
        error instanceof ConfigError && /BLNK_SERVER_PREVIOUS_SECRET_KEYS/.test(error.message) && why.test(error.message),
    );
  refused('old-a,,old-b', /empty/);
  refused('old-a,', /empty/);
  refused(`old-a,${STRONG}`, /entry 2 is the current secret key/);
  refused('old-a,old-a', /entry 2 repeats/);
  assert.throws(
    () => loadConfig({ path: null, env: { BLNK_SERVER_PREVIOUS_SECRET_KEYS: 'old-a' } }),
    /previous keys need a current server.secret_key/,
  );
  const file = join(folder(), 'blnk.json');
  writeFileSync(file, JSON.stringify({ server: { secret_key: STRONG, previous_secret_keys: ['old a'] } }));
  assert.throws(() => loadConfig({ path: file, env: {} }), /entry 1 holds whitespace/);
  assert.deepEqual(
    loadConfig({ path: null, env: { ...base, BLNK_SERVER_PREVIOUS_SECRET_KEYS: ' old-a , old-b ' } }).server.previous_secret_keys,
    ['old-a', 'old-b'],
  );
});

test('failure watch and audit settings: Go durations, bounds checked', () => {
  const config = loadConfig({
    path: null,
    env: {
      KASSA_AUTH_FAILURE_THRESHOLD: '7',
      KASSA_AUTH_FAILURE_WINDOW: '30s',
      KASSA_AUTH_FAILURE_BLOCK: '0s',
      KASSA_AUDIT_RETENTION: '720h',
    },
  });
  assert.deepEqual(config.security, { auth_failure_threshold: 7, auth_failure_window_ms: 30_000, auth_failure_block_ms: 0 });
  assert.equal(config.audit.retention_ms, 720 * 3_600_000);
  const defaults = loadConfig({ path: null, env: {} });
  assert.deepEqual(defaults.security, {
    auth_failure_threshold: 50,
    auth_failure_window_ms: 60_000,
    auth_failure_block_ms: 300_000,
  });
  assert.throws(() => loadConfig({ path: null, env: { KASSA_AUTH_FAILURE_THRESHOLD: '0' } }), /security.auth_failure_threshold/);
  assert.throws(() => loadConfig({ path: null, env: { KASSA_AUTH_FAILURE_BLOCK: '-1s' } }), /security.auth_failure_block/);
  assert.throws(() => loadConfig({ path: null, env: { KASSA_AUDIT_RETENTION: '1m' } }), /audit.retention/);
});

test('master key strength: short, patterned or placeholder keys are weak; kassa secret output is not', () => {
  assert.match(masterKeyWeakness('short')!, /shorter than 32/);
  assert.match(masterKeyWeakness('ab'.repeat(20))!, /too few characters/);
  assert.match(masterKeyWeakness('my-Kassa-master-key-0123456789-XYZ')!, /placeholder/);
  assert.equal(masterKeyWeakness(STRONG), undefined);
  fc.assert(
    fc.property(fc.constant(null), () => {
      const secret = randomSecret();
      assert.match(secret, /^[A-Za-z0-9_-]{43}$/);
      return secret.length >= 32 && new Set(secret).size >= 10;
    }),
    { numRuns: 200 },
  );
});

test('hygiene: a config file with a secret readable by others, or tracked by git, and a weak master key are warned about', () => {
  const dir = folder();
  const file = join(dir, 'blnk.json');
  writeFileSync(file, JSON.stringify({ server: { secure: true, secret_key: 'short-key' } }));
  chmodSync(file, 0o644);
  const warnings = configurationWarnings(loadConfig({ path: file, env: {} }));
  assert.ok(
    warnings.some((w) => /readable by group or others/.test(w) && w.includes('server.secret_key')),
    warnings.join('\n'),
  );
  assert.ok(warnings.some((w) => /server.secret_key is shorter than 32/.test(w)));
  assert.ok(!warnings.some((w) => /tracked by git/.test(w)));
  for (const warning of warnings) assert.ok(!warning.includes('short-key'), warning);

  execFileSync('git', ['init', '-q'], { cwd: dir });
  execFileSync('git', ['add', 'blnk.json'], { cwd: dir });
  chmodSync(file, 0o600);
  const tracked = configurationWarnings(loadConfig({ path: file, env: {} }));
  assert.ok(tracked.some((w) => /tracked by git/.test(w)));
  assert.ok(!tracked.some((w) => /readable by group/.test(w)));

  // No secret in the file (it comes from the environment): nothing to say about the file.
  writeFileSync(file, JSON.stringify({ server: { secure: true } }));
  assert.deepEqual(configurationWarnings(loadConfig({ path: file, env: { BLNK_SERVER_SECRET_KEY: STRONG } })), []);
});
