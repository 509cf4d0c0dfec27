import type { Queryable } from './database.js';

export interface OutboxEventRow {
  seq: string;
  event_id: string;
  event: string;
  payload: unknown;
  created_at: string;
  status: 'pending' | 'delivered' | 'dead';
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
  await db.query(
    `INSERT INTO outbox_events (event_id, event, payload)
     SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[])`,
    [events.map((e) => e.event_id), events.map((e) => e.event), events.map((e) => e.payload)],
  );
}
