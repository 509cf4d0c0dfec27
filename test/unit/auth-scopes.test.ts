// Scope matching (HasPermission) and coverage (ScopeCovers) against a reference model: a scope
// denotes the set of concrete (resource, action) pairs it grants; coverage is set inclusion.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { hasPermission, parseScope, scopeCovers, scopesCovered } from '../../src/auth/scopes.js';

const NAMES = ['ledgers', 'balances', 'hooks', 'read', 'write', 'delete', 'Ledgers', '', ' ledgers'];
/** A value no generated name equals: stands for "any other name" in the finite universe. */
const OTHER = '\u0000other';

const part = fc.oneof(fc.constantFrom(...NAMES, '*'), fc.string({ maxLength: 4 }));
const scopeText = fc.oneof(
  fc.tuple(part, part).map(([r, a]) => `${r}:${a}`),
  fc.array(part, { minLength: 1, maxLength: 4 }).map((parts) => parts.join(':')),
  fc.string({ maxLength: 10 }),
);
const concrete = fc.oneof(
  fc.constantFrom(...NAMES),
  fc.string({ maxLength: 4 }).filter((s) => s !== '*'),
);

/** Reference parse: exactly one `:`. */
function refParse(text: string): [string, string] | undefined {
  const at = text.indexOf(':');
  if (at < 0 || text.indexOf(':', at + 1) >= 0) return undefined;
  return [text.slice(0, at), text.slice(at + 1)];
}

/** The concrete pairs a scope grants, within a finite universe of names. */
function pairs(text: string, universe: readonly string[]): Set<string> {
  const parsed = refParse(text);
  const out = new Set<string>();
  if (!parsed) return out;
  const expand = (name: string) => (name === '*' ? universe : [name]);
  for (const r of expand(parsed[0])) for (const a of expand(parsed[1])) out.add(JSON.stringify([r, a]));
  return out;
}

function universeOf(scopes: string[], extra: string[] = []): string[] {
  const names = new Set<string>([OTHER, ...extra]);
  for (const scope of scopes) for (const name of scope.split(':')) if (name !== '*') names.add(name);
  return [...names];
}

function refCovers(granted: string, requested: string): boolean {
  if (!refParse(granted) || !refParse(requested)) return false;
  const universe = universeOf([granted, requested]);
  const have = pairs(granted, universe);
  return [...pairs(requested, universe)].every((pair) => have.has(pair));
}

function refHasPermission(scopes: string[], resource: string, action: string): boolean {
  const universe = universeOf(scopes, [resource, action]);
  return scopes.some((scope) => pairs(scope, universe).has(JSON.stringify([resource, action])));
}

describe('scopes', () => {
  test('parse: exactly two parts on ":", nothing trimmed', () => {
    assert.deepEqual(parseScope('ledgers:read'), { resource: 'ledgers', action: 'read' });
    for (const bad of ['ledgersread', 'a:b:c', '']) assert.equal(parseScope(bad), undefined, bad);
    assert.deepEqual(parseScope(' ledgers:read'), { resource: ' ledgers', action: 'read' });
  });

  test('HasPermission agrees with the reference model', () => {
    fc.assert(
      fc.property(fc.array(scopeText, { maxLength: 5 }), concrete, concrete, (scopes, resource, action) => {
        assert.equal(hasPermission(scopes, resource, action), refHasPermission(scopes, resource, action));
      }),
      { numRuns: 5000 },
    );
  });

  test('a method without an action is never granted, whatever the scopes', () => {
    fc.assert(
      fc.property(fc.array(scopeText, { maxLength: 5 }), concrete, (scopes, resource) => {
        assert.equal(hasPermission([...scopes, '*:*', `${resource}:`], resource, undefined), false);
      }),
    );
  });

  test('ScopeCovers agrees with set inclusion', () => {
    fc.assert(
      fc.property(scopeText, scopeText, (granted, requested) => {
        assert.equal(scopeCovers(granted, requested), refCovers(granted, requested));
      }),
      { numRuns: 5000 },
    );
  });

  test('coverage table of blnk-contract.md auth §4.3', () => {
    const cases: [string, string, boolean][] = [
      ['*:*', '*:*', true],
      ['*:*', '*:read', true],
      ['*:*', 'x:*', true],
      ['*:*', 'foo:bar', true],
      ['*:read', 'ledgers:read', true],
      ['*:read', '*:read', true],
      ['*:read', 'ledgers:*', false],
      ['*:read', 'ledgers:write', false],
      ['ledgers:*', 'ledgers:delete', true],
      ['ledgers:*', 'ledgers:*', true],
      ['ledgers:*', '*:read', false],
      ['ledgers:read', 'ledgers:read', true],
      ['ledgers:read', 'ledgers:*', false],
      ['ledgers:read', 'Ledgers:read', false],
      ['*:*', 'not-a-scope', false],
      ['not-a-scope', 'not-a-scope', false],
    ];
    for (const [granted, requested, expected] of cases) {
      assert.equal(scopeCovers(granted, requested), expected, `${granted} covers ${requested}`);
    }
    assert.equal(scopesCovered(['ledgers:read'], []), true);
  });

  test('no escalation: whatever covered scopes grant, the granting scopes grant too', () => {
    fc.assert(
      fc.property(
        fc.array(scopeText, { maxLength: 4 }),
        fc.array(scopeText, { maxLength: 4 }),
        concrete,
        concrete,
        (granted, requested, resource, action) => {
          fc.pre(scopesCovered(granted, requested));
          if (hasPermission(requested, resource, action)) assert.ok(hasPermission(granted, resource, action));
        },
      ),
      { numRuns: 5000 },
    );
  });

  test('a concrete scope is covered exactly when it is permitted', () => {
    fc.assert(
      fc.property(fc.array(scopeText, { maxLength: 5 }), concrete, concrete, (scopes, resource, action) => {
        fc.pre(!resource.includes(':') && !action.includes(':'));
        assert.equal(scopesCovered(scopes, [`${resource}:${action}`]), hasPermission(scopes, resource, action));
      }),
      { numRuns: 3000 },
    );
  });
});
