// Scopes are `resource:action` strings with `*` wildcards (blnk-contract.md auth §3.3, §4.3). Matching is
// exact and case-sensitive, nothing is trimmed, and a string that does not split into exactly two
// parts on `:` matches nothing and covers nothing.

import { RESOURCES } from './route-scopes.js';

export const WILDCARD = '*';
const RESOURCE_SET: ReadonlySet<string> = new Set(RESOURCES);

export interface Scope {
  resource: string;
  action: string;
}

export function parseScope(text: string): Scope | undefined {
  const parts = text.split(':');
  if (parts.length !== 2) return undefined;
  return { resource: parts[0], action: parts[1] };
}

/** Blnk's HasPermission: does any scope grant `action` on `resource`? No action (OPTIONS, ...) is never granted. */
export function hasPermission(scopes: readonly string[], resource: string, action: string | undefined): boolean {
  if (action === undefined) return false;
  return scopes.some((text) => {
    const scope = parseScope(text);
    return (
      scope !== undefined &&
      (scope.resource === WILDCARD || scope.resource === resource) &&
      (scope.action === WILDCARD || scope.action === action)
    );
  });
}

/** Blnk's ScopeCovers: does `granted` allow at least everything `requested` allows? */
export function scopeCovers(granted: string, requested: string): boolean {
  const g = parseScope(granted);
  const r = parseScope(requested);
  if (!g || !r) return false;
  const part = (have: string, want: string) => have === WILDCARD || have === want;
  return part(g.resource, r.resource) && part(g.action, r.action);
}

/** Every requested scope is covered by some granted scope (an empty request passes). */
export function scopesCovered(granted: readonly string[], requested: readonly string[]): boolean {
  return requested.every((want) => granted.some((have) => scopeCovers(have, want)));
}

const ACTIONS: ReadonlySet<string> = new Set(['read', 'write', 'delete', WILDCARD]);

/** A scope some route can grant: a known resource (or `*`) and a known action (or `*`). */
export function isKnownScope(text: string): boolean {
  const scope = parseScope(text);
  return scope !== undefined && (scope.resource === WILDCARD || RESOURCE_SET.has(scope.resource)) && ACTIONS.has(scope.action);
}
