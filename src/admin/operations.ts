// What the operator's commands do (`kassa keys create`, `kassa events dead|retry`, `kassa audit`), on a database:
// the CLI runs them on the database it opens itself, or asks the running server to run them through
// its admin socket (src/admin/socket.ts) when the server holds the embedded data folder.
import { CLI_ACTOR } from '../audit/audit-log.js';
import { parseAuditQuery } from '../audit/audit-query.js';
import { listAuditEvents, type AuditEventRow } from '../db/audit-events.js';
import { ApiError } from '../errors.js';
import { createApiKey } from '../auth/api-keys.js';
import type { Database, Queryable } from '../db/database.js';
import { listDeadDeliveries, requeueDeadDeliveries, type DeadDelivery } from '../db/deliveries.js';
import { createdApiKeyView } from '../views/api-keys.js';
import { isRfc3339, ZERO_TIME } from '../time.js';

export interface KeyRequest {
  owner: string;
  name: string;
  scopes: string[];
  /** RFC 3339. */
  expires: string;
}

/** A refusal worth showing the operator as it is. */
export class AdminError extends Error {}

function checkKeyRequest(request: KeyRequest): void {
  if (!isRfc3339(request.expires) || Date.parse(request.expires) <= Date.parse(ZERO_TIME)) {
    throw new AdminError('--expires must be an RFC 3339 timestamp, e.g. 2027-01-01T00:00:00Z');
  }
  if (request.owner.trim() === '' || request.name.trim() === '') throw new AdminError('--owner and --name must not be empty');
}

export async function createKey(db: Database, request: KeyRequest): Promise<Record<string, unknown>> {
  checkKeyRequest(request);
  const { row, key } = await createApiKey(
    db,
    {
      name: request.name,
      owner_id: request.owner,
      scopes: request.scopes,
      expires_at: request.expires,
    },
    CLI_ACTOR,
  );
  return createdApiKeyView(row, key, request.expires);
}

export const DEAD_LIMIT_MAX = 10_000;

export function deadDeliveries(db: Queryable, limit: number): Promise<DeadDelivery[]> {
  if (!Number.isInteger(limit) || limit < 1 || limit > DEAD_LIMIT_MAX) {
    throw new AdminError(`--limit must be an integer from 1 to ${DEAD_LIMIT_MAX}`);
  }
  return listDeadDeliveries(db, limit);
}

export interface RetryResult {
  requeued: string[];
  /** Ids named that are no dead delivery (unknown, or not dead). */
  unknown: string[];
}

export async function retryDeliveries(db: Queryable, ids: readonly string[] | 'all'): Promise<RetryResult> {
  const requeued = await requeueDeadDeliveries(db, ids);
  const done = new Set(requeued);
  return { requeued, unknown: ids === 'all' ? [] : [...new Set(ids)].filter((id) => !done.has(id)) };
}

/** The audit log for `kassa audit`: `filters` as GET /audit-events takes them (action, actor, owner, from, to, limit, offset). */
export async function auditEvents(db: Queryable, filters: Record<string, string | undefined>): Promise<AuditEventRow[]> {
  try {
    return await listAuditEvents(db, parseAuditQuery(undefined, filters));
  } catch (error) {
    if (error instanceof ApiError) throw new AdminError(error.message);
    throw error;
  }
}
