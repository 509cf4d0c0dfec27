// The route -> scope table of blnk-contract.md auth §3.4, with Kassa's deviations (metadata, snapshots, backup).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isReadLikePost, requiredScope } from '../../src/auth/route-scopes.js';
import { isKnownScope } from '../../src/auth/scopes.js';

function scopeOf(method: string, path: string): string {
  const required = requiredScope(method, path);
  if (required.kind !== 'scope') return required.kind;
  return `${required.resource}:${required.action ?? ''}`;
}

const TABLE: [string, string, string][] = [
  ['POST', '/ledgers', 'ledgers:write'],
  ['GET', '/ledgers', 'ledgers:read'],
  ['GET', '/ledgers/ldg_1', 'ledgers:read'],
  ['POST', '/ledgers/filter', 'ledgers:write'],
  ['PUT', '/ledgers/ldg_1', 'ledgers:write'],
  ['POST', '/balances', 'balances:write'],
  ['GET', '/balances', 'balances:read'],
  ['POST', '/balances/filter', 'balances:write'],
  ['GET', '/balances/indicator/@x/currency/USD', 'balances:read'],
  ['GET', '/balances/bln_1/at', 'balances:read'],
  ['PUT', '/balances/bln_1/identity', 'balances:write'],
  ['GET', '/balances/bln_1/lineage', 'balances:read'],
  ['POST', '/balances-snapshots', 'balances:write'],
  ['POST', '/balance-monitors', 'balance-monitors:write'],
  ['GET', '/balance-monitors/balances/bln_1', 'balance-monitors:read'],
  ['DELETE', '/balance-monitors/mon_1', 'balance-monitors:delete'],
  ['POST', '/transactions', 'transactions:write'],
  ['POST', '/transactions/bulk', 'transactions:write'],
  ['GET', '/transactions/reference/r', 'transactions:read'],
  ['PUT', '/transactions/inflight/txn_1', 'transactions:write'],
  ['POST', '/refund-transaction/txn_1', 'transactions:write'],
  ['DELETE', '/identities/idt_1', 'identities:delete'],
  ['GET', '/identities/idt_1/detokenize/email', 'identities:read'],
  ['POST', '/identities/idt_1/detokenize', 'identities:write'],
  ['GET', '/identities/idt_1/tokenized-fields', 'identities:read'],
  ['POST', '/identities/idt_1/tokenize/firstName', 'identities:write'],
  ['POST', '/identities/idt_1/tokenize', 'identities:write'],
  ['GET', '/mocked-account', 'accounts:read'],
  ['POST', '/accounts', 'accounts:write'],
  ['GET', '/accounts', 'accounts:read'],
  ['GET', '/accounts/acc_1', 'accounts:read'],
  ['POST', '/accounts/filter', 'accounts:write'],
  ['GET', '/backup', 'backup:read'],
  ['GET', '/backup-s3', 'backup:read'],
  ['GET', '/audit-events', 'audit:read'],
  ['POST', '/audit-events', 'audit:write'],
  ['POST', '/api-keys/api_key_1/rotate', 'api-keys:write'],
  ['POST', '/search/ledgers', 'search:write'],
  ['POST', '/multi-search', 'search:write'],
  ['GET', '/search/reindex', 'search:read'],
  ['DELETE', '/reconciliation/matching-rules/r1', 'reconciliation:delete'],
  ['POST', '/txn_123/metadata', 'metadata:write'],
  ['POST', '/ldg_1/metadata', 'metadata:write'],
  ['POST', '/hooks', 'hooks:write'],
  ['GET', '/hooks/h1', 'hooks:read'],
  ['DELETE', '/hooks/h1', 'hooks:delete'],
  ['POST', '/api-keys', 'api-keys:write'],
  ['GET', '/api-keys', 'api-keys:read'],
  ['DELETE', '/api-keys/api_key_1', 'api-keys:delete'],
  ['HEAD', '/ledgers', 'ledgers:read'],
  ['PATCH', '/ledgers/ldg_1', 'ledgers:write'],
  ['OPTIONS', '/ledgers', 'ledgers:'],
  ['GET', '/', 'public'],
  ['GET', '/health', 'public'],
  ['GET', '/metrics', 'public'],
  ['GET', '/health/', 'unknown_resource'],
  ['GET', '/no-such-thing', 'unknown_resource'],
  ['GET', '/Ledgers', 'unknown_resource'],
  ['GET', '//ledgers', 'unknown_resource'],
  ['GET', '/txn_1/metadata/x', 'unknown_resource'],
  ['GET', '/%68ooks', 'hooks:read'],
  ['GET', '/hooks%2Fx', 'unknown_resource'],
];

describe('route scopes', () => {
  test('every row of the table resolves to its scope', () => {
    for (const [method, path, expected] of TABLE) assert.equal(scopeOf(method, path), expected, `${method} ${path}`);
  });
});

describe('read-like POSTs (no BLNK_GENERATED_BY)', () => {
  test('filters, search and detokenize read; everything else may create', () => {
    for (const path of [
      '/ledgers/filter',
      '/transactions/filter',
      '/transactions/filter/',
      '/identities/filter',
      '/search/ledgers',
      '/search/reindex',
      '/multi-search',
      '/identities/idt_1/detokenize',
    ]) {
      assert.ok(isReadLikePost(path), path);
    }
    for (const path of [
      '/ledgers',
      '/transactions',
      '/identities',
      '/identities/idt_1/tokenize',
      '/txn_1/metadata',
      '/api-keys',
      '/refund-transaction/txn_1',
    ]) {
      assert.ok(!isReadLikePost(path), path);
    }
  });
});

test('audit:read is a scope a key can be given; audit:* and *:read cover it', () => {
  for (const scope of ['audit:read', 'audit:*']) assert.ok(isKnownScope(scope), scope);
  assert.ok(!isKnownScope('audit-events:read'), 'the resource is audit, not the path segment');
});
