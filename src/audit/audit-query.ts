// The filters of an audit log read (GET /audit-events, `kassa audit`), checked: names given once,
// RFC 3339 times in order, a page within bounds; an API key is held to its own owner.
import type { Principal } from '../auth/principal.js';
import type { AuditQuery } from '../db/audit-events.js';
import { ApiError } from '../errors.js';
import { parsePage } from '../http/pagination.js';
import { isRfc3339 } from '../time.js';

export const AUDIT_PAGE_LIMIT_DEFAULT = 50;
export const AUDIT_PAGE_LIMIT_MAX = 1000;
const TEXT_FILTERS = { action: 'action', actor: 'actor', owner: 'owner_id' } as const;

const invalid = (message: string) => new ApiError('AUDIT_INVALID_QUERY', message);

/** `principal` undefined: the command line, which reads every owner's rows. */
export function parseAuditQuery(principal: Principal | undefined, query: Record<string, unknown>): AuditQuery {
  const single = (name: string): string | undefined => {
    const value = query[name];
    if (value === undefined || value === '') return undefined;
    if (typeof value !== 'string') throw invalid(`${name}: give it once, as text`);
    return value;
  };
  const filters: AuditQuery = {
    ...parsePage(query, { default_limit: AUDIT_PAGE_LIMIT_DEFAULT, strict: true, limit_max: AUDIT_PAGE_LIMIT_MAX }),
  };
  for (const [name, field] of Object.entries(TEXT_FILTERS)) filters[field] = single(name);
  for (const name of ['from', 'to'] as const) {
    const value = single(name);
    if (value !== undefined && !isRfc3339(value)) throw invalid(`${name}: must be an RFC 3339 time, e.g. 2026-12-01T00:00:00Z`);
    filters[name] = value;
  }
  if (filters.from && filters.to && Date.parse(filters.from) > Date.parse(filters.to)) {
    throw invalid('from: must not be later than to');
  }
  if (principal?.kind === 'api_key') {
    if (filters.owner_id !== undefined && filters.owner_id !== principal.owner_id) {
      throw new ApiError('AUTH_CROSS_OWNER_ACCESS', 'cannot read audit events of another owner');
    }
    filters.owner_id = principal.owner_id;
  }
  return filters;
}
