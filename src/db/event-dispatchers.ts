// The registry of running dispatchers (migration 010), and the rule the delivery tables share:
// a row is stamped with the signing key of the dispatcher seen last, and claimed by a dispatcher
// holding that key, or by any once no dispatcher with it has been seen for a while (after a rotation).
import type { Queryable } from './database.js';

/** A dispatcher not seen for this long has stopped; its key no longer reserves rows. */
export const DISPATCHER_STALE_S = 60;
/** Webhook events are recorded while a webhook dispatcher was seen this recently. */
export const WEBHOOK_SINK_RETENTION_S = 24 * 3600;

export async function registerDispatcher(
  db: Queryable,
  dispatcher: {
    dispatcher_id: string;
    delivers_webhooks: boolean;
    signing_key_id: string;
    /** The event patterns its webhook subscribes to; null = every event. */
    webhook_events: readonly string[] | null;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO event_dispatchers (dispatcher_id, delivers_webhooks, signing_key_id, webhook_events) VALUES ($1, $2, $3, $4)
     ON CONFLICT (dispatcher_id) DO UPDATE SET last_seen_at = now()`,
    [dispatcher.dispatcher_id, dispatcher.delivers_webhooks, dispatcher.signing_key_id, dispatcher.webhook_events],
  );
}

export async function unregisterDispatcher(db: Queryable, dispatcher_id: string): Promise<void> {
  await db.query('DELETE FROM event_dispatchers WHERE dispatcher_id = $1', [dispatcher_id]);
}

/** SQL: the signing key id to stamp a new hook delivery with (null when no dispatcher is known). */
export function stampSql(): string {
  return `(SELECT d.signing_key_id FROM event_dispatchers d
           WHERE d.last_seen_at > now() - interval '${WEBHOOK_SINK_RETENTION_S} seconds'
           ORDER BY d.last_seen_at DESC LIMIT 1)`;
}

/**
 * SQL: the webhook sink events are recorded for, as one row (`signing_key_id`, `webhook_events`)
 * or none: the webhook dispatcher seen last. Its subscription decides for every process.
 */
export const WEBHOOK_SINK_SQL = `(SELECT d.signing_key_id, d.webhook_events FROM event_dispatchers d
   WHERE d.delivers_webhooks AND d.last_seen_at > now() - interval '${WEBHOOK_SINK_RETENTION_S} seconds'
   ORDER BY d.last_seen_at DESC LIMIT 1)`;

/** SQL predicate: the sink's `webhook_events` (null = all) take `event`: `*`, the name, or `<prefix>.*`. */
export function subscribedSql(sink: string, event: string): string {
  return `(${sink}.webhook_events IS NULL OR EXISTS (SELECT 1 FROM unnest(${sink}.webhook_events) p
            WHERE p = '*' OR p = ${event} OR (right(p, 2) = '.*' AND starts_with(${event}, left(p, -1)))))`;
}

/** SQL predicate on `alias.signing_key_id`: this dispatcher (key id in `param`) may claim the row. */
export function claimableSql(alias: string, param: string): string {
  return `(${alias}.signing_key_id IS NULL OR ${alias}.signing_key_id = ${param}
           OR NOT EXISTS (SELECT 1 FROM event_dispatchers k WHERE k.signing_key_id = ${alias}.signing_key_id
                            AND k.last_seen_at > now() - interval '${DISPATCHER_STALE_S} seconds'))`;
}
