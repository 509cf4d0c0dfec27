// The audit log (issue 17, item 3): a row for every privileged act, written with the act; counted
// rows for acts that change nothing; GET /audit-events for the master key and audit:read keys (own
// owner only); `kassa audit`; retention; never a secret in a row.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn } from 'node:child_process';
import { startKassa, type TestKassa } from '../support/kassa.js';
import type { HttpClient } from '../support/http.js';
import { FUTURE, MASTER_KEY, SECURE_ENV, assertAuthError, createKey, type CreatedKey } from '../support/keys.js';
import { requestFrom } from '../support/source-address.js';

const TOKENIZATION_SECRET = '0123456789abcdef0123456789abcdef';

interface AuditRow {
  audit_id: string;
  created_at: string;
  action: string;
  actor: string;
  owner_id: string | null;
  source_address: string | null;
  route: string | null;
  outcome: string;
  details: Record<string, any>;
  count: number;
}

describe('the audit log', () => {
  let kassa: TestKassa;
  let master: HttpClient;
  let auditor: CreatedKey;
  const secrets: string[] = [MASTER_KEY, TOKENIZATION_SECRET];

  const read = async (query = ''): Promise<AuditRow[]> => {
    const res = await master.get(`/audit-events${query}`);
    assert.equal(res.status, 200, res.text);
    return res.body;
  };
  /** Counted rows are written within a second or so: wait for `predicate`, bounded. */
  const eventually = async (query: string, predicate: (rows: AuditRow[]) => boolean): Promise<AuditRow[]> => {
    let rows = await read(query);
    for (let waited_ms = 0; !predicate(rows) && waited_ms < 10_000; waited_ms += 200) {
      await sleep(200);
      rows = await read(query);
    }
    assert.ok(predicate(rows), JSON.stringify(rows, null, 1));
    return rows;
  };

  before(async () => {
    kassa = await startKassa({ env: { ...SECURE_ENV, BLNK_TOKENIZATION_SECRET: TOKENIZATION_SECRET } });
    master = kassa.http.with({ 'X-Blnk-Key': MASTER_KEY });
    auditor = await createKey(master, { owner: 'team-audit', scopes: ['audit:read', 'api-keys:*'] });
    secrets.push(auditor.key);
  });
  after(() => kassa.close());

  test('API keys created, rotated and revoked: one row each, in the act, naming actor, owner, route and source', async () => {
    const created = await createKey(auditor.http, { owner: 'team-audit', scopes: ['api-keys:read'], name: 'rotating' });
    const rotated = await auditor.http.post(`/api-keys/${created.api_key_id}/rotate`, { grace_period: '0s' });
    assert.equal(rotated.status, 201, rotated.text);
    const revoked = await auditor.http.delete(`/api-keys/${rotated.body.api_key_id}`);
    assert.equal(revoked.status, 204);
    secrets.push(created.key, rotated.body.key);

    const rows = await read(`?actor=${auditor.api_key_id}`);
    const byAction = (action: string) => rows.filter((row) => row.action === action);
    assert.equal(byAction('api_key.created').length, 1);
    assert.equal(byAction('api_key.rotated').length, 1);
    assert.equal(byAction('api_key.revoked').length, 1);
    const [creation] = byAction('api_key.created');
    assert.match(creation.audit_id, /^aud_[0-9a-f-]{36}$/);
    assert.equal(creation.owner_id, 'team-audit');
    assert.equal(creation.route, 'POST /api-keys');
    assert.equal(creation.source_address, '127.0.0.1');
    assert.equal(creation.outcome, 'success');
    assert.equal(creation.count, 1);
    assert.deepEqual(creation.details, { api_key_id: created.api_key_id, name: 'rotating', scopes: ['api-keys:read'] });
    assert.equal(byAction('api_key.rotated')[0].details.replaced_by, rotated.body.api_key_id);
    assert.equal(byAction('api_key.rotated')[0].route, 'POST /api-keys/:id/rotate');
    assert.equal(byAction('api_key.revoked')[0].details.api_key_id, rotated.body.api_key_id);
    // The master key's own creation of the auditor key is there too, as master.
    const masterCreations = await read(`?actor=master&action=api_key.created`);
    assert.ok(masterCreations.some((row) => row.details.api_key_id === auditor.api_key_id));
  });

  test('a refused act writes no act row', async () => {
    const before = (await read('?action=api_key.revoked')).length;
    assert.equal((await master.delete('/api-keys/api_key_unknown?owner=team-audit')).status, 404);
    assert.equal((await read('?action=api_key.revoked')).length, before);
  });

  test('hooks registered, changed and deleted; the URL is kept as its origin only', async () => {
    const hook = await master.post('/hooks', {
      name: 'audit-hook',
      url: 'https://hooks.example.com/in?token=hook-url-secret',
      type: 'PRE_TRANSACTION',
    });
    assert.equal(hook.status, 201, hook.text);
    const id = hook.body.id;
    assert.equal((await master.put(`/hooks/${id}`, { ...hook.body, name: 'renamed' })).status, 200);
    assert.equal((await master.delete(`/hooks/${id}`)).status, 200);
    secrets.push('hook-url-secret');
    const rows = (await read('?actor=master')).filter((row) => row.action.startsWith('hook.'));
    assert.deepEqual(rows.map((row) => row.action).sort(), ['hook.created', 'hook.deleted', 'hook.updated']);
    const creation = rows.find((row) => row.action === 'hook.created')!;
    assert.deepEqual(creation.details, {
      hook_id: id,
      name: 'audit-hook',
      type: 'PRE_TRANSACTION',
      active: false,
      url_origin: 'https://hooks.example.com',
    });
    assert.equal(rows.find((row) => row.action === 'hook.updated')!.details.name, 'renamed');
    assert.deepEqual(rows.find((row) => row.action === 'hook.deleted')!.details, { hook_id: id });
  });

  test('detokenizations: the identity and the field names, never a value', async () => {
    const identity = await master.post('/identities', { first_name: 'Ada', email_address: 'ada-secret@x.io' });
    assert.equal(identity.status, 201, identity.text);
    const id = identity.body.identity_id;
    const tokenized = await master.post(`/identities/${id}/tokenize/emailAddress`);
    assert.equal(tokenized.status, 200, tokenized.text);
    const one = await master.get(`/identities/${id}/detokenize/emailAddress`);
    assert.equal(one.body.value, 'ada-secret@x.io');
    const all = await master.post(`/identities/${id}/detokenize`, { fields: [] });
    assert.equal(all.status, 200, all.text);
    secrets.push('ada-secret@x.io');
    const rows = await read('?action=identity.detokenized');
    assert.equal(rows.length, 2);
    assert.deepEqual(rows.map((row) => row.details).reverse(), [
      { identity_id: id, fields: ['emailAddress'] },
      { identity_id: id, fields: Object.keys(all.body.fields) },
    ]);
    // A detokenization that fails (unknown identity) records nothing.
    assert.equal((await master.get(`/identities/idt_missing/detokenize/emailAddress`)).status, 404);
    assert.equal((await read('?action=identity.detokenized')).length, 2);
  });

  test('a backup: one row with its destination and outcome', async () => {
    const backup = await master.get('/backup');
    const rows = await read('?action=backup.created');
    assert.equal(rows.length, 1);
    assert.deepEqual(rows[0].details, { destination: 'disk' });
    assert.equal(rows[0].outcome, backup.status === 200 ? 'success' : 'failed');
  });

  test('master-key uses are counted per route, status and minute; failures and scope denials per source and code', async () => {
    for (let i = 0; i < 3; i += 1) assert.equal((await master.get('/ledgers')).status, 200);
    const wrongKey = 'A'.repeat(43) + '=';
    for (let i = 0; i < 4; i += 1) {
      assertAuthError(
        await requestFrom('127.0.0.3', kassa.url, 'GET', '/ledgers', { headers: { 'X-Blnk-Key': wrongKey } }),
        401,
        'AUTH_INVALID_API_KEY',
      );
    }
    assertAuthError(
      await requestFrom('127.0.0.3', kassa.url, 'GET', '/ledgers', { headers: { 'X-Blnk-Key': 'not-a-key-shape-secret' } }),
      401,
      'AUTH_INVALID_API_KEY',
    );
    secrets.push('not-a-key-shape-secret');
    assertAuthError(await requestFrom('127.0.0.3', kassa.url, 'GET', '/ledgers'), 401, 'AUTH_MISSING_API_KEY');
    for (let i = 0; i < 2; i += 1) assertAuthError(await auditor.http.get('/ledgers'), 403, 'AUTH_INSUFFICIENT_PERMISSIONS');

    const total = (rows: AuditRow[]) => rows.reduce((sum, row) => sum + row.count, 0);
    const uses = await eventually(
      '?action=master_key.used&limit=1000',
      (rows) => total(rows.filter((row) => row.route === 'GET /ledgers')) >= 3,
    );
    const ledgerUses = uses.filter((row) => row.route === 'GET /ledgers');
    assert.ok(ledgerUses.every((row) => row.actor === 'master' && row.outcome === '200' && row.source_address === '127.0.0.1'));
    assert.equal(total(ledgerUses), 3);
    // At most one row per minute: three uses in a few seconds make one row, or two across a minute's end.
    assert.ok(ledgerUses.length <= 2);

    const failures = await eventually(
      '?action=auth.failure',
      (rows) => total(rows.filter((row) => row.source_address === '127.0.0.3')) === 6,
    );
    const fromAttacker = failures.filter((row) => row.source_address === '127.0.0.3');
    assert.ok(fromAttacker.every((row) => row.actor === 'anonymous' && row.route === 'GET /ledgers'));
    const hinted = fromAttacker.filter((row) => row.details.key_hint === 'AAAAAAAA');
    assert.equal(total(hinted), 4, 'a key-shaped key keeps its 8-character hint');
    assert.equal(total(fromAttacker.filter((row) => row.outcome === 'AUTH_MISSING_API_KEY')), 1);
    assert.equal(total(fromAttacker.filter((row) => row.outcome === 'AUTH_INVALID_API_KEY' && !row.details.key_hint)), 1);

    const denials = await eventually(`?action=api_key.scope_denied`, (rows) => total(rows) === 2);
    assert.ok(denials.every((row) => row.actor === auditor.api_key_id && row.owner_id === 'team-audit'));
    assert.ok(denials.every((row) => row.outcome === 'AUTH_INSUFFICIENT_PERMISSIONS' && row.route === 'GET /ledgers'));
  });

  test('a key used from a new source address is recorded once per address; GET /api-keys shows the last use', async () => {
    const key = await createKey(master, { owner: 'team-src', scopes: ['ledgers:read'] });
    secrets.push(key.key);
    for (const address of ['127.0.0.4', '127.0.0.4', '127.0.0.5']) {
      const res = await requestFrom(address, kassa.url, 'GET', '/ledgers', { headers: { 'X-Blnk-Key': key.key } });
      assert.equal(res.status, 200, res.text);
    }
    const rows = await eventually(`?action=api_key.new_source&actor=${key.api_key_id}`, (found) => found.length === 2);
    assert.deepEqual(rows.map((row) => row.source_address).sort(), ['127.0.0.4', '127.0.0.5']);
    assert.ok(rows.every((row) => row.owner_id === 'team-src' && row.details.api_key_id === key.api_key_id));
    let listed = (await master.get('/api-keys?owner=team-src')).body[0];
    for (let waited_ms = 0; !listed.last_source_address && waited_ms < 10_000; waited_ms += 200) {
      await sleep(200);
      listed = (await master.get('/api-keys?owner=team-src')).body[0];
    }
    assert.ok(['127.0.0.4', '127.0.0.5'].includes(listed.last_source_address), JSON.stringify(listed));
    assert.notEqual(listed.last_used_at, '0001-01-01T00:00:00Z');
  });

  test('filters: action, actor, owner, a time range and pages; newest first', async () => {
    const all = await read('?limit=1000');
    assert.ok(all.length >= 10);
    for (let i = 1; i < all.length; i += 1) assert.ok(Date.parse(all[i - 1].created_at) >= Date.parse(all[i].created_at));
    const page = await read('?limit=3&offset=2');
    assert.deepEqual(
      page.map((row) => row.audit_id),
      all.slice(2, 5).map((row) => row.audit_id),
    );
    const owners = await read('?owner=team-audit');
    assert.ok(owners.length > 0 && owners.every((row) => row.owner_id === 'team-audit'));
    const future = await read('?from=2099-01-01T00:00:00Z');
    assert.deepEqual(future, []);
    const past = await read('?to=2000-01-01T00:00:00Z');
    assert.deepEqual(past, []);
    const now = new Date().toISOString();
    const window = await read(`?from=2000-01-01T00:00:00Z&to=${encodeURIComponent(now)}&limit=1000`);
    assert.ok(window.length > 0 && window.every((row) => Date.parse(row.created_at) <= Date.parse(now)));
  });

  test('an audit:read key reads its own owner only; a key without it is refused', async () => {
    const own = await auditor.http.get('/audit-events?limit=1000');
    assert.equal(own.status, 200, own.text);
    assert.ok(own.body.length > 0 && own.body.every((row: AuditRow) => row.owner_id === 'team-audit'));
    assertAuthError(await auditor.http.get('/audit-events?owner=team-src'), 403, 'AUTH_CROSS_OWNER_ACCESS');
    assert.equal((await auditor.http.get('/audit-events?owner=team-audit')).status, 200);
    const plain = await createKey(master, { owner: 'team-audit', scopes: ['ledgers:read'] });
    secrets.push(plain.key);
    assertAuthError(await plain.http.get('/audit-events'), 403, 'AUTH_INSUFFICIENT_PERMISSIONS');
    assertAuthError(await auditor.http.post('/audit-events', {}), 403, 'AUTH_INSUFFICIENT_PERMISSIONS');
  });

  test('bad queries: 400 naming the problem', async () => {
    const cases: [string, string, RegExp][] = [
      ['?from=yesterday', 'AUDIT_INVALID_QUERY', /from: must be an RFC 3339 time/],
      ['?to=2026-13-01T00:00:00Z', 'AUDIT_INVALID_QUERY', /to: must be an RFC 3339/],
      ['?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'AUDIT_INVALID_QUERY', /from: must not be later than to/],
      ['?action=a&action=b', 'AUDIT_INVALID_QUERY', /action: give it once/],
      ['?limit=0', 'GEN_VALIDATION_ERROR', /limit/],
      ['?offset=-1', 'GEN_VALIDATION_ERROR', /offset/],
    ];
    for (const [query, code, message] of cases) {
      const res = await master.get(`/audit-events${query}`);
      assertAuthError(res, 400, code);
      assert.match(res.body.error, message, query);
    }
  });

  test('no row holds a key, a secret or a detokenized value', async () => {
    const text = JSON.stringify(await read('?limit=1000'));
    for (const secret of secrets) assert.ok(!text.includes(secret), `a row holds ${secret.slice(0, 6)}…`);
  });

  test('kassa audit prints the rows, filtered, one JSON object per line', async () => {
    const { code, output } = await runAudit(kassa, ['audit', '--action', 'api_key.created', '--limit', '2']);
    assert.equal(code, 0, output);
    const lines = output
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    assert.equal(lines.length, 2);
    assert.ok(lines.every((row) => row.action === 'api_key.created'));
    const bad = await runAudit(kassa, ['audit', '--from', 'yesterday']);
    assert.equal(bad.code, 1);
    assert.match(bad.output, /from: must be an RFC 3339 time/);
  });
});

/** `kassa <args>` beside the running server (through its admin socket on the embedded database). */
async function runAudit(kassa: TestKassa, args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    env: { ...process.env, ...kassa.database.env, KASSA_LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, output };
}

describe('audit retention', () => {
  test('rows older than audit.retention are pruned at start; newer rows stay; nothing else deletes', async () => {
    const first = await startKassa({ env: { ...SECURE_ENV, KASSA_AUDIT_RETENTION: '720h' } });
    const master = first.http.with({ 'X-Blnk-Key': MASTER_KEY });
    try {
      await createKey(master, { owner: 'team-r', scopes: ['ledgers:read'], expires_at: FUTURE });
      await first.server.db.query(
        `INSERT INTO audit_events (audit_id, created_at, action, actor, outcome)
         VALUES ('aud_old', now() - interval '31 days', 'api_key.created', 'master', 'success'),
                ('aud_recent', now() - interval '29 days', 'api_key.created', 'master', 'success')`,
      );
      await first.stop();
      const second = await startKassa({ database: first.database, env: { ...SECURE_ENV, KASSA_AUDIT_RETENTION: '720h' } });
      try {
        const ids = async () =>
          ((await second.http.get('/audit-events?limit=1000', { 'X-Blnk-Key': MASTER_KEY })).body as AuditRow[]).map(
            (r) => r.audit_id,
          );
        let seen = await ids();
        for (let waited_ms = 0; seen.includes('aud_old') && waited_ms < 10_000; waited_ms += 200) {
          await sleep(200);
          seen = await ids();
        }
        assert.ok(!seen.includes('aud_old'));
        assert.ok(seen.includes('aud_recent'));
        assert.ok(seen.length >= 2, 'the key creation row stays');
      } finally {
        await second.stop();
      }
    } finally {
      await first.close();
    }
  });
});
