import type { Queryable } from './database.js';
import { parentIs } from './transactions.js';

/** What the applier needs besides the request row (values Blnk does not persist in columns). */
export interface QueuePayload {
  /** `overdraft_limit × precision`, minor units as decimal text; absent = no limit. */
  overdraft_limit_precise?: string;
  /** Items sharing a group apply all or none, in one batch (atomic splits and bulk requests). */
  atomic_group?: string;
  /** The transaction's expected versions and balance bounds that this item checks. */
  conditions?: StoredConditions;
}

export interface StoredConditions {
  expected_versions?: Record<string, number>;
  /** Amounts as decimal text. */
  balance_bounds?: Record<string, { min: string | null; max: string | null }>;
  own: string[];
}

export interface QueueItem {
  seq: string;
  transaction_id: string;
  payload: QueuePayload;
}

/** A queue row to insert; `run_at` null means now. */
export interface QueueRow {
  transaction_id: string;
  run_at: string | null;
  payload: QueuePayload;
}

export async function enqueue(db: Queryable, items: readonly QueueRow[]): Promise<void> {
  if (items.length === 0) return;
  await db.query(
    `INSERT INTO transaction_queue (transaction_id, run_at, payload)
     SELECT u.transaction_id, COALESCE(u.run_at, now()), u.payload
     FROM unnest($1::text[], $2::timestamptz[], $3::jsonb[]) WITH ORDINALITY AS u(transaction_id, run_at, payload, ord)
     ORDER BY u.ord
     ON CONFLICT (transaction_id) DO NOTHING`,
    [items.map((i) => i.transaction_id), items.map((i) => i.run_at), items.map((i) => JSON.stringify(i.payload))],
  );
}

/**
 * Removes and returns up to `limit` due items in arrival order. Only for the one applier that holds
 * the applier lock; the deletion commits together with the outcomes.
 */
export async function takeDueItems(db: Queryable, limit: number): Promise<QueueItem[]> {
  const rows = await db.query<QueueItem>(
    `DELETE FROM transaction_queue WHERE seq IN (
       SELECT seq FROM transaction_queue WHERE run_at <= now() ORDER BY seq LIMIT $1)
     RETURNING seq, transaction_id, payload`,
    [limit],
  );
  return rows.sort((a, b) => (BigInt(a.seq) < BigInt(b.seq) ? -1 : 1));
}

/** The rest of every atomic group that `claimed` started, so that a group is never split across batches. */
export async function takeGroupRemainders(db: Queryable, claimed: readonly QueueItem[]): Promise<QueueItem[]> {
  const groups = [...new Set(claimed.flatMap((item) => (item.payload.atomic_group ? [item.payload.atomic_group] : [])))];
  if (groups.length === 0) return [];
  return db.query<QueueItem>(
    `DELETE FROM transaction_queue WHERE payload ->> 'atomic_group' = ANY($1::text[])
     RETURNING seq, transaction_id, payload`,
    [groups],
  );
}

/**
 * QUEUED request rows older than `threshold_ms` that have neither an outcome row nor a queue row
 * (so nothing will ever apply them), oldest first.
 */
export async function findStuckQueued(db: Queryable, threshold_ms: number, limit: number): Promise<string[]> {
  const rows = await db.query<{ transaction_id: string }>(
    `SELECT t.transaction_id FROM transactions t
     WHERE t.status = 'QUEUED' AND t.created_at < now() - ($1::double precision * interval '1 millisecond')
       AND NOT EXISTS (SELECT 1 FROM transactions c WHERE ${parentIs('c.parent_transaction', 't.transaction_id')})
       AND NOT EXISTS (SELECT 1 FROM transaction_queue q WHERE q.transaction_id = t.transaction_id)
     ORDER BY t.created_at, t.seq LIMIT $2`,
    [threshold_ms, limit],
  );
  return rows.map((row) => row.transaction_id);
}

/** Whether any queue row is due now: one cheap read before a worker opens a batch. */
export async function hasDueItems(db: Queryable): Promise<boolean> {
  const rows = await db.query('SELECT 1 FROM transaction_queue WHERE run_at <= now() LIMIT 1');
  return rows.length > 0;
}

/** Queue rows due now (for waiting until the queue has drained). */
export async function countDueItems(db: Queryable): Promise<number> {
  const rows = await db.query<{ count: string }>('SELECT count(*) AS count FROM transaction_queue WHERE run_at <= now()');
  return Number(rows[0].count);
}
