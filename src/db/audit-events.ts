import type { Queryable } from './database.js';

export interface AuditEventRow {
  audit_id: string;
  created_at: string;
  action: string;
  actor: string;
  owner_id: string | null;
  source_address: string | null;
  route: string | null;
  outcome: string;
  details: Record<string, unknown>;
  count: number;
}

export type NewAuditEvent = Omit<AuditEventRow, 'created_at' | 'count'>;

const COLUMNS = 'audit_id, created_at, action, actor, owner_id, source_address, route, outcome, details, count';

export async function insertAuditEvent(tx: Queryable, event: NewAuditEvent): Promise<void> {
  await tx.query(
    `INSERT INTO audit_events (audit_id, action, actor, owner_id, source_address, route, outcome, details)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)`,
    [
      event.audit_id,
      event.action,
      event.actor,
      event.owner_id,
      event.source_address,
      event.route,
      event.outcome,
      JSON.stringify(event.details),
    ],
  );
}

/** An aggregated row: `bucket` names it (action, source, route, minute ...); a repeat adds to `count`. */
export interface AuditBucket extends NewAuditEvent {
  bucket: string;
  count: number;
}

/** Adds each bucket's count to its row, creating the row on first sight (whichever process sees it first). */
export async function addAuditBuckets(db: Queryable, buckets: readonly AuditBucket[]): Promise<void> {
  if (buckets.length === 0) return;
  await db.query(
    `INSERT INTO audit_events (audit_id, action, actor, owner_id, source_address, route, outcome, details, count, bucket)
     SELECT b.audit_id, b.action, b.actor, b.owner_id, b.source_address, b.route, b.outcome, b.details, b.count, b.bucket
       FROM jsonb_to_recordset($1::jsonb) AS b(audit_id text, action text, actor text, owner_id text, source_address text,
                                               route text, outcome text, details jsonb, count integer, bucket text)
     ON CONFLICT (bucket) DO UPDATE SET count = audit_events.count + EXCLUDED.count`,
    [JSON.stringify(buckets)],
  );
}

export interface AuditQuery {
  action?: string;
  actor?: string;
  owner_id?: string;
  /** RFC 3339 bounds: from inclusive, to exclusive. */
  from?: string;
  to?: string;
  limit: number;
  offset: number;
}

/** Newest first. */
export async function listAuditEvents(db: Queryable, query: AuditQuery): Promise<AuditEventRow[]> {
  const conditions: string[] = [];
  const params: unknown[] = [];
  const where = (sql: string, value: unknown) => {
    params.push(value);
    conditions.push(sql.replace('?', `$${params.length}`));
  };
  if (query.action !== undefined) where('action = ?', query.action);
  if (query.actor !== undefined) where('actor = ?', query.actor);
  if (query.owner_id !== undefined) where('owner_id = ?', query.owner_id);
  if (query.from !== undefined) where('created_at >= ?::timestamptz', query.from);
  if (query.to !== undefined) where('created_at < ?::timestamptz', query.to);
  params.push(query.limit, query.offset);
  return db.query<AuditEventRow>(
    `SELECT ${COLUMNS} FROM audit_events ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
      ORDER BY created_at DESC, audit_id DESC LIMIT $${params.length - 1} OFFSET $${params.length}`,
    params,
  );
}

/** Deletes rows older than `retention_ms`: the only delete the table sees. */
export async function pruneAuditEvents(db: Queryable, retention_ms: number): Promise<number> {
  const rows = await db.query<{ deleted: number }>(
    `WITH gone AS (DELETE FROM audit_events WHERE created_at < now() - make_interval(secs => $1) RETURNING 1)
     SELECT count(*)::int AS deleted FROM gone`,
    [retention_ms / 1000],
  );
  return rows[0].deleted;
}
