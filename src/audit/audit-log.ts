// The audit log: who did what, from where, with what outcome. An act that changes something is
// recorded by `recordAudit` inside the database transaction that makes the change, so the row exists
// exactly when the act does. Acts that change nothing (authentication failures, master-key uses,
// scope denials) are counted in memory and added every second to one row per action, actor, source,
// route, outcome and minute, so a flood of requests cannot flood the table. Details never hold a
// secret, a key or PII: callers pass names and ids only.
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../auth/principal.js';
import type { Database, Queryable } from '../db/database.js';
import {
  addAuditBuckets,
  insertAuditEvent,
  listAuditEvents,
  pruneAuditEvents,
  type AuditBucket,
  type AuditEventRow,
  type AuditQuery,
} from '../db/audit-events.js';
import { newId } from '../ids.js';
import type { Logger } from '../log.js';

export type AuditAction =
  | 'api_key.created'
  | 'api_key.rotated'
  | 'api_key.revoked'
  | 'api_key.new_source'
  | 'api_key.scope_denied'
  | 'hook.created'
  | 'hook.updated'
  | 'hook.deleted'
  | 'identity.detokenized'
  | 'backup.created'
  | 'master_key.used'
  | 'master_key.previous_used'
  | 'auth.failure'
  | 'security.auth_failures';

/** Who acted and from where: `master`, an API key id, `anonymous`, or `cli` (the command line). */
export interface AuditActor {
  actor: string;
  owner_id: string | null;
  source_address: string | null;
  /** Method and route pattern (never the raw URL: no query string, no ids an attacker chose). */
  route: string | null;
}

export const CLI_ACTOR: AuditActor = { actor: 'cli', owner_id: null, source_address: null, route: null };

function actorOf(principal: Principal | undefined): Pick<AuditActor, 'actor' | 'owner_id'> {
  if (principal?.kind === 'api_key') return { actor: principal.api_key_id, owner_id: principal.owner_id };
  return { actor: principal?.kind === 'master' ? 'master' : 'anonymous', owner_id: null };
}

function routeOf(request: FastifyRequest): string {
  return `${request.method} ${request.routeOptions.url ?? '(unmatched)'}`;
}

export function auditActor(request: FastifyRequest): AuditActor {
  return { ...actorOf(request.principal), source_address: request.ip, route: routeOf(request) };
}

/** Records a successful act in the transaction `tx` that makes it. */
export function recordAudit(
  tx: Queryable,
  who: AuditActor,
  action: AuditAction,
  details: Record<string, unknown> = {},
  outcome = 'success',
): Promise<void> {
  return insertAuditEvent(tx, { audit_id: newId('aud'), action, ...who, outcome, details });
}

/**
 * Runs `work` in one transaction with its audit row: `details` describes the act from its result,
 * or answers undefined when nothing happened (nothing found), and then no row is written.
 */
export function audited<T>(
  db: Database,
  who: AuditActor,
  action: AuditAction,
  work: (tx: Queryable) => Promise<T>,
  details: (result: T) => Record<string, unknown> | undefined,
): Promise<T> {
  return db.transaction(async (tx) => {
    const result = await work(tx);
    const described = details(result);
    if (described !== undefined) await recordAudit(tx, who, action, described);
    return result;
  });
}

const FLUSH_INTERVAL_MS = 1000;
const PRUNE_INTERVAL_MS = 3_600_000;
/** Buckets held between flushes; past this, counts go to one overflow bucket per action. */
const PENDING_BUCKETS_MAX = 10_000;
const MINUTE_MS = 60_000;

export class AuditLog {
  private readonly pending = new Map<string, AuditBucket>();
  private readonly flushTimer: NodeJS.Timeout;
  private readonly pruneTimer: NodeJS.Timeout;
  private flushing: Promise<void> | undefined;
  private pruning: Promise<void> | undefined;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    private readonly retention_ms: number,
  ) {
    this.flushTimer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS);
    this.flushTimer.unref();
    this.pruneTimer = setInterval(() => void this.prune(), PRUNE_INTERVAL_MS);
    this.pruneTimer.unref();
    // Also at start: a process restarted more often than hourly still prunes.
    void this.prune();
  }

  /** GET /audit-events: the rows the query selects, newest first. */
  list(query: AuditQuery): Promise<AuditEventRow[]> {
    return listAuditEvents(this.db, query);
  }

  /** Counts an act that changes nothing into its minute's row (written by the next flush). */
  count(who: AuditActor, action: AuditAction, outcome: string, details: Record<string, unknown> = {}, now_ms = Date.now()): void {
    const minute = new Date(Math.floor(now_ms / MINUTE_MS) * MINUTE_MS).toISOString();
    const overflow = this.pending.size >= PENDING_BUCKETS_MAX;
    const bucketWho = overflow ? { actor: who.actor, owner_id: null, source_address: null, route: null } : who;
    const bucketDetails = overflow ? { overflow: true } : details;
    // A digest names the row: fixed length, whatever the route or details hold.
    const bucket = createHash('sha256')
      .update(JSON.stringify([minute, action, outcome, bucketWho, bucketDetails]))
      .digest('hex');
    const existing = this.pending.get(bucket);
    if (existing) existing.count += 1;
    else
      this.pending.set(bucket, {
        audit_id: newId('aud'),
        action,
        ...bucketWho,
        outcome,
        details: bucketDetails,
        bucket,
        count: 1,
      });
  }

  flush(): Promise<void> {
    if (this.flushing || this.pending.size === 0) return this.flushing ?? Promise.resolve();
    const buckets = [...this.pending.values()];
    this.pending.clear();
    this.flushing = addAuditBuckets(this.db, buckets)
      .catch((error: unknown) => this.logger.warn({ err: error, rows: buckets.length }, 'audit: counted acts not written'))
      .finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  prune(): Promise<void> {
    this.pruning ??= pruneAuditEvents(this.db, this.retention_ms)
      .then((deleted) => {
        if (deleted > 0) this.logger.info({ deleted }, 'audit: rows past their retention pruned');
      })
      .catch((error: unknown) => this.logger.warn({ err: error }, 'audit: prune failed'))
      .finally(() => (this.pruning = undefined));
    return this.pruning;
  }

  /** Stops the timers and writes what is counted (call before the database closes). */
  async close(): Promise<void> {
    clearInterval(this.flushTimer);
    clearInterval(this.pruneTimer);
    await this.pruning;
    await this.flushing;
    await this.flush();
  }
}
