// POST /transactions/recover: re-enqueue QUEUED rows that have no outcome and no queue row. With the
// queue in the database this only happens after manual intervention; the sweep stays for Blnk's API.
import type { Database } from '../../db/database.js';
import { enqueue, findStuckQueued } from '../../db/transaction-queue.js';

export const RECOVERY_THRESHOLD_DEFAULT_MS = 2 * 60_000;
export const RECOVERY_THRESHOLD_MIN_MS = 2 * 60_000;
export const RECOVERY_BATCH_MAX = 100;

/** Re-enqueues up to RECOVERY_BATCH_MAX stuck rows older than `threshold_ms` (at least 2 minutes). */
export async function recoverStuckQueued(db: Database, threshold_ms: number): Promise<number> {
  return db.transaction(async (tx) => {
    const stuck = await findStuckQueued(tx, Math.max(threshold_ms, RECOVERY_THRESHOLD_MIN_MS), RECOVERY_BATCH_MAX);
    await enqueue(
      tx,
      stuck.map((transaction_id) => ({ transaction_id, run_at: null, payload: {} })),
    );
    return stuck.length;
  });
}
