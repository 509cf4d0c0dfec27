import type { Queryable } from './database.js';
import { claimableSql, subscribedSql, WEBHOOK_SINK_SQL } from './event-dispatchers.js';

export interface OutboxEventRow {
  seq: string;
  event_id: string;
  event: string;
  payload: unknown;
  created_at: string;
  status: 'pending' | 'delivered' | 'dead' | 'skipped';
  attempts: number;
  next_attempt_at: string;
  last_error: string | null;
  delivered_at: string | null;
}

export async function insertOutboxEvents(
  db: Queryable,
  events: readonly { event_id: string; event: string; payload: unknown }[],
): Promise<void> {
  if (events.length === 0) return;
  // Nothing is inserted while no webhook dispatcher is known to the database (Blnk sends none then),
  // nor an event its webhook does not subscribe to.
  await db.query(
    `INSERT INTO outbox_events (event_id, event, payload, signing_key_id)
     SELECT u.event_id, u.event, u.payload, s.signing_key_id
     FROM unnest($1::text[], $2::text[], $3::jsonb[]) AS u(event_id, event, payload)
     CROSS JOIN ${WEBHOOK_SINK_SQL} s
     WHERE ${subscribedSql('s', 'u.event')}`,
    [events.map((e) => e.event_id), events.map((e) => e.event), events.map((e) => e.payload)],
  );
}

export interface ClaimedEvent {
  event_id: string;
  event: string;
  payload: unknown;
  /** This attempt's number (1 = first). */
  attempts: number;
}

/**
 * Claims up to `limit` due pending events for one attempt each. The claim moves `next_attempt_at`
 * forward by `lease_ms`: no other process takes them meanwhile, and if this one dies they become
 * due again when the lease runs out. SKIP LOCKED lets concurrent dispatchers claim disjoint rows.
 */
export function claimOutboxEvents(
  db: Queryable,
  limit: number,
  lease_ms: number,
  signing_key_id: string,
): Promise<ClaimedEvent[]> {
  return db.query<ClaimedEvent>(
    `UPDATE outbox_events o
     SET attempts = o.attempts + 1, next_attempt_at = now() + $2::float8 * interval '1 millisecond'
     FROM (SELECT event_id FROM outbox_events e
           WHERE status = 'pending' AND next_attempt_at <= now() AND ${claimableSql('e', '$3')}
           ORDER BY next_attempt_at, seq LIMIT $1 FOR UPDATE SKIP LOCKED) due
     WHERE o.event_id = due.event_id
     RETURNING o.event_id, o.event, o.payload, o.attempts`,
    [limit, lease_ms, signing_key_id],
  );
}
