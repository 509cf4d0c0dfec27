// Who would receive what a write records: the webhook sink events are recorded for (the webhook
// dispatcher seen last, with its subscription) and the types of the active hooks. One read, so that
// a batch of transactions with nobody listening builds and ships no event and no hook body.
import type { Queryable } from './database.js';
import { WEBHOOK_SINK_SQL } from './event-dispatchers.js';

export interface DeliveryTargets {
  /** Absent: no webhook dispatcher is known, no event is recorded. Else its patterns, null = all. */
  webhook?: { events: string[] | null };
  hook_types: ReadonlySet<string>;
}

export async function readDeliveryTargets(db: Queryable): Promise<DeliveryTargets> {
  const [row] = await db.query<{ has_sink: boolean; webhook_events: string[] | null; hook_types: string[] }>(
    `SELECT s.signing_key_id IS NOT NULL AS has_sink, s.webhook_events,
       ARRAY(SELECT DISTINCT type FROM hooks WHERE active) AS hook_types
     FROM (SELECT 1) one LEFT JOIN LATERAL ${WEBHOOK_SINK_SQL} s ON true`,
  );
  const targets: DeliveryTargets = { hook_types: new Set(row.hook_types) };
  if (row.has_sink) targets.webhook = { events: row.webhook_events };
  return targets;
}
