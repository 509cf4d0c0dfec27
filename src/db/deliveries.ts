// What webhook events (outbox_events) and hook deliveries (hook_deliveries) share: the delivery
// state columns, moved by the dispatcher after each attempt, and the dead-letter views.
import type { Queryable } from './database.js';

export const DELIVERY_TABLES = {
  webhook: { table: 'outbox_events', key: 'event_id' },
  hook: { table: 'hook_deliveries', key: 'delivery_id' },
} as const;

export type DeliveryKind = keyof typeof DELIVERY_TABLES;

export type AttemptOutcome =
  { status: 'delivered' } | { status: 'pending'; retry_in_ms: number; error: string } | { status: 'dead'; error: string };

/**
 * Records the outcome of attempt number `attempt`. Returns false when the row has moved on since the
 * claim (its lease ran out and another dispatcher took it): the outcome is then not ours to write.
 */
export async function finishAttempt(
  db: Queryable,
  kind: DeliveryKind,
  id: string,
  attempt: number,
  outcome: AttemptOutcome,
): Promise<boolean> {
  const { table, key } = DELIVERY_TABLES[kind];
  const error = outcome.status === 'delivered' ? null : outcome.error;
  const retry_in_ms = outcome.status === 'pending' ? outcome.retry_in_ms : 0;
  const rows = await db.query(
    `UPDATE ${table}
     SET status = $3::text, last_error = $4, next_attempt_at = now() + $5::float8 * interval '1 millisecond',
         delivered_at = CASE WHEN $3::text = 'delivered' THEN now() END
     WHERE ${key} = $1 AND attempts = $2 AND status = 'pending'
     RETURNING ${key}`,
    [id, attempt, outcome.status, error, retry_in_ms],
  );
  return rows.length === 1;
}

export interface DeadDelivery {
  kind: DeliveryKind;
  id: string;
  /** The webhook event name, or the hook id. */
  target: string;
  created_at: string;
  attempts: number;
  last_error: string | null;
}

export async function listDeadDeliveries(db: Queryable, limit: number): Promise<DeadDelivery[]> {
  return db.query<DeadDelivery>(
    `(SELECT 'webhook' AS kind, event_id AS id, event AS target, created_at, attempts, last_error
      FROM outbox_events WHERE status = 'dead')
     UNION ALL
     (SELECT 'hook' AS kind, delivery_id AS id, hook_id AS target, created_at, attempts, last_error
      FROM hook_deliveries WHERE status = 'dead')
     ORDER BY created_at, id LIMIT $1`,
    [limit],
  );
}

/** Puts dead deliveries (all of them, or those with the given ids) back to pending with fresh attempts. */
export async function requeueDeadDeliveries(db: Queryable, ids: readonly string[] | 'all'): Promise<string[]> {
  const requeued: string[] = [];
  for (const { table, key } of Object.values(DELIVERY_TABLES)) {
    const rows = await db.query<{ id: string }>(
      `UPDATE ${table} SET status = 'pending', attempts = 0, next_attempt_at = now(), last_error = NULL
       WHERE status = 'dead' AND ($1::boolean OR ${key} = ANY($2::text[]))
       RETURNING ${key} AS id`,
      [ids === 'all', ids === 'all' ? [] : ids],
    );
    requeued.push(...rows.map((row) => row.id));
  }
  return requeued;
}
