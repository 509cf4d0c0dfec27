// Queued commits and voids, and hold deadlines, as rows (migration 007).
import type { Queryable } from './database.js';

export type ActionOrigin = 'request' | 'expiry' | 'auto_commit';

export interface InflightActionRow {
  action_id: string;
  target_id: string;
  action: 'commit' | 'void';
  precise_amount: bigint | null;
  origin: ActionOrigin;
  run_at: string;
  attempts: number;
  created_at: string;
}

function toActionRow(raw: Record<string, unknown>): InflightActionRow {
  return {
    ...(raw as unknown as InflightActionRow),
    precise_amount: raw.precise_amount === null ? null : BigInt(raw.precise_amount as string),
    attempts: Number(raw.attempts),
  };
}

const ACTION_COLUMNS = 'action_id, target_id, action, precise_amount, origin, run_at, attempts, created_at';

/** Queues a requested action; false when one is already queued for the target. */
export async function insertRequestedAction(
  db: Queryable,
  action: { action_id: string; target_id: string; action: 'commit' | 'void'; precise_amount: bigint | null },
): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO inflight_actions (action_id, target_id, action, precise_amount, origin) VALUES ($1, $2, $3, $4, 'request')
     ON CONFLICT (target_id) WHERE origin = 'request' DO NOTHING RETURNING action_id`,
    [action.action_id, action.target_id, action.action, action.precise_amount],
  );
  return rows.length > 0;
}

/** Whether a requested action other than `action_id` is queued under any of `target_ids`. */
export async function otherRequestedAction(db: Queryable, target_ids: readonly string[], action_id: string): Promise<boolean> {
  const rows = await db.query(
    `SELECT 1 FROM inflight_actions WHERE origin = 'request' AND target_id = ANY($1::text[]) AND action_id <> $2 LIMIT 1`,
    [target_ids, action_id],
  );
  return rows.length > 0;
}

/** Claims one due action for the rest of the database transaction `tx`; other workers skip it. */
export async function claimDueAction(tx: Queryable): Promise<InflightActionRow | undefined> {
  const rows = await tx.query(
    `SELECT ${ACTION_COLUMNS} FROM inflight_actions WHERE run_at <= now()
     ORDER BY run_at, action_id LIMIT 1 FOR UPDATE SKIP LOCKED`,
  );
  return rows[0] && toActionRow(rows[0]);
}

export async function deleteAction(db: Queryable, action_id: string): Promise<void> {
  await db.query('DELETE FROM inflight_actions WHERE action_id = $1', [action_id]);
}

/** Puts an action back for a later attempt. */
export async function deferAction(db: Queryable, action_id: string, delay_ms: number, error: string): Promise<void> {
  await db.query(
    `UPDATE inflight_actions SET attempts = attempts + 1, last_error = $3,
       run_at = now() + make_interval(secs => $2::double precision / 1000)
     WHERE action_id = $1`,
    [action_id, delay_ms, error],
  );
}

/** When the next action falls due (null when none is waiting). */
export async function nextActionRunAt(db: Queryable): Promise<string | null> {
  const rows = await db.query<{ run_at: string | null }>('SELECT min(run_at) AS run_at FROM inflight_actions');
  return rows[0].run_at;
}
