// The one table that says which scope every request needs (blnk-contract.md auth §3, with Kassa's
// deviations: the metadata route, /balances-snapshots and /backup* have scopes). The resource comes
// from the raw path before routing, so unknown routes are judged exactly like known ones; a test
// walks every registered route and fails when one resolves to no scope.

export const RESOURCES = [
  'ledgers',
  'balances',
  'accounts',
  'identities',
  'transactions',
  'balance-monitors',
  'hooks',
  'api-keys',
  'search',
  'reconciliation',
  'metadata',
  'backup',
  // Kassa's own: the audit log (GET /audit-events needs audit:read).
  'audit',
] as const;

export type Resource = (typeof RESOURCES)[number];
export type Action = 'read' | 'write' | 'delete';

/** HTTP method -> action. Any other method (OPTIONS, TRACE, ...) has no action and is denied to API keys. */
export const ACTION_BY_METHOD: Readonly<Record<string, Action>> = {
  GET: 'read',
  HEAD: 'read',
  POST: 'write',
  PUT: 'write',
  PATCH: 'write',
  DELETE: 'delete',
};

/** First path segment -> resource: the resources themselves plus the special segments. */
export const RESOURCE_BY_SEGMENT: Readonly<Record<string, Resource>> = {
  ...Object.fromEntries(RESOURCES.map((resource) => [resource, resource])),
  'mocked-account': 'accounts',
  'multi-search': 'search',
  'refund-transaction': 'transactions',
  // Kassa deviations: Blnk leaves these to the master key by accident.
  'balances-snapshots': 'balances',
  'backup-s3': 'backup',
  'audit-events': 'audit',
};

/** Paths that skip X-Blnk-Key (exact match, query string aside). `/metrics` has its own bearer token. */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set(['/', '/health', '/metrics', '/openapi.json']);

/** The API reference page and its files (Kassa's own): public, like the description it shows. */
const PUBLIC_PREFIX = '/docs';

function isPublic(path: string): boolean {
  return PUBLIC_PATHS.has(path) || path === PUBLIC_PREFIX || path.startsWith(`${PUBLIC_PREFIX}/`);
}

/** `/:entity-id/metadata`: an entity id in the first segment, then `metadata` (Kassa deviation). */
const METADATA_SEGMENT = 'metadata';

export type RequiredScope =
  { kind: 'public' } | { kind: 'unknown_resource' } | { kind: 'scope'; resource: Resource; action: Action | undefined };

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** `path` is the URL path without the query string, as the client sent it. */
export function requiredScope(method: string, path: string): RequiredScope {
  if (isPublic(path)) return { kind: 'public' };
  const segments = path.split('/').slice(1).map(decodeSegment);
  const action = ACTION_BY_METHOD[method.toUpperCase()];
  // Kassa's own: the hash chain's verification is an auditor's read.
  if (segments[0] === 'transactions' && segments[1] === 'chain') return { kind: 'scope', resource: 'audit', action };
  const resource = Object.hasOwn(RESOURCE_BY_SEGMENT, segments[0]) ? RESOURCE_BY_SEGMENT[segments[0]] : undefined;
  if (resource) return { kind: 'scope', resource, action };
  if (segments.length === 2 && segments[0] !== '' && segments[1] === METADATA_SEGMENT) {
    return { kind: 'scope', resource: 'metadata', action };
  }
  return { kind: 'unknown_resource' };
}

/**
 * POSTs that only read (filters, search, detokenize). They create nothing to attribute, and their
 * strict body parsers refuse unknown fields, so BLNK_GENERATED_BY is not injected into them.
 */
export function isReadLikePost(path: string): boolean {
  const segments = path.split('/').slice(1).map(decodeSegment);
  // `/transactions/filter/` is served as `/transactions/filter`
  if (segments.length > 1 && segments[segments.length - 1] === '') segments.pop();
  const last = segments[segments.length - 1];
  return (
    last === 'filter' ||
    segments[0] === 'search' ||
    segments[0] === 'multi-search' ||
    (segments[0] === 'identities' && segments[2] === 'detokenize')
  );
}
