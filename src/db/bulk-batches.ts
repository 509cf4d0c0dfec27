// Asynchronous bulk batches as rows (migration 008): stored before the 202, claimed with a lease,
// advanced unit by unit inside the database transactions that apply the units.
import type { Queryable } from './database.js';
import { stringifyJson } from '../json.js';
import { parentIs } from './transactions.js';

export type BatchStatus = 'pending' | 'applied' | 'inflight' | 'failed';

export interface StoredBatch {
  batch_id: string;
  request: unknown;
  units_done: number;
  claim_token: string;
  attempts: number;
}

export async function insertBatch(db: Queryable, batch_id: string, request: unknown): Promise<void> {
  await db.query('INSERT INTO bulk_batches (batch_id, request) VALUES ($1, $2::jsonb)', [batch_id, stringifyJson(request)]);
}

/** Batches accepted and not finished yet, across all processes. */
export async function countPendingBatches(db: Queryable): Promise<number> {
  const rows = await db.query<{ count: string }>("SELECT count(*) AS count FROM bulk_batches WHERE status = 'pending'");
  return Number(rows[0].count);
}

/**
 * Claims the oldest pending batch whose lease ran out (or that nobody claimed), with a new token
 * and a lease of `lease_ms`. A batch whose row a unit of work holds locked is skipped.
 */
export async function claimBatch(db: Queryable, claim_token: string, lease_ms: number): Promise<StoredBatch | undefined> {
  const rows = await db.query<StoredBatch>(
    `UPDATE bulk_batches b
     SET claim_token = $1, claimed_until = now() + $2::float8 * interval '1 millisecond', attempts = b.attempts + 1
     FROM (SELECT batch_id FROM bulk_batches
           WHERE status = 'pending' AND (claimed_until IS NULL OR claimed_until < now())
           ORDER BY created_at, batch_id LIMIT 1 FOR UPDATE SKIP LOCKED) due
     WHERE b.batch_id = due.batch_id
     RETURNING b.batch_id, b.request, b.units_done, b.claim_token, b.attempts`,
    [claim_token, lease_ms],
  );
  return rows[0] && { ...rows[0], units_done: Number(rows[0].units_done), attempts: Number(rows[0].attempts) };
}

/**
 * Locks the batch row for the rest of `tx` and checks that this claim still owns it, pending, with
 * `units_done` as expected (null: any). False: another process took the batch over (or it is finished).
 */
export async function holdBatch(
  tx: Queryable,
  batch_id: string,
  claim_token: string,
  units_done: number | null,
): Promise<boolean> {
  const rows = await tx.query<{ ok: boolean }>(
    `SELECT (status = 'pending' AND claim_token = $2 AND ($3::int IS NULL OR units_done = $3::int)) AS ok
     FROM bulk_batches WHERE batch_id = $1 FOR UPDATE`,
    [batch_id, claim_token, units_done],
  );
  return rows[0]?.ok === true;
}

/** Records progress (and renews the lease); call after holdBatch in the same transaction. */
export async function advanceBatch(tx: Queryable, batch_id: string, units_done: number, lease_ms: number): Promise<void> {
  await tx.query(
    `UPDATE bulk_batches SET units_done = $2, claimed_until = now() + $3::float8 * interval '1 millisecond'
     WHERE batch_id = $1`,
    [batch_id, units_done, lease_ms],
  );
}

export async function finishBatch(
  tx: Queryable,
  batch_id: string,
  status: Exclude<BatchStatus, 'pending'>,
  error: string | null,
): Promise<void> {
  await tx.query(
    `UPDATE bulk_batches SET status = $2, error = $3, finished_at = now(), claim_token = NULL, claimed_until = NULL
     WHERE batch_id = $1`,
    [batch_id, status, error],
  );
}

/** Lets another attempt claim the batch at once (after a failure that is not the batch's fault). */
export async function releaseBatch(db: Queryable, batch_id: string, claim_token: string, delay_ms: number): Promise<void> {
  await db.query(
    `UPDATE bulk_batches SET claimed_until = now() + $3::float8 * interval '1 millisecond'
     WHERE batch_id = $1 AND claim_token = $2 AND status = 'pending'`,
    [batch_id, claim_token, delay_ms],
  );
}

/** What `GET /transactions/bulk/:id` shows of a stored batch. */
export interface BatchProgress {
  batch_id: string;
  status: BatchStatus;
  transaction_count: number;
  /** Transaction rows written so far with the batch as their parent (items, or legs of split items). */
  recorded_count: number;
  attempts: number;
  error: string | null;
  created_at: string;
  finished_at: string | null;
}

export async function findBatchProgress(db: Queryable, batch_id: string): Promise<BatchProgress | undefined> {
  const rows = await db.query<Record<string, unknown>>(
    `SELECT b.batch_id, b.status, b.attempts, b.error, b.created_at, b.finished_at,
            jsonb_array_length(CASE WHEN jsonb_typeof(b.request->'transactions') = 'array'
                                    THEN b.request->'transactions' ELSE '[]'::jsonb END) AS transaction_count,
            (SELECT count(*) FROM transactions t WHERE ${parentIs('t.parent_transaction', 'b.batch_id')}) AS recorded_count
     FROM bulk_batches b WHERE b.batch_id = $1`,
    [batch_id],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    batch_id: String(row.batch_id),
    status: row.status as BatchStatus,
    transaction_count: Number(row.transaction_count),
    recorded_count: Number(row.recorded_count),
    attempts: Number(row.attempts),
    error: (row.error as string | null) ?? null,
    created_at: new Date(row.created_at as string).toISOString(),
    finished_at: row.finished_at ? new Date(row.finished_at as string).toISOString() : null,
  };
}
