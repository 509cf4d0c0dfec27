// Recording events: call inside the database transaction that makes the change, so the event
// exists exactly when the change does. Delivery happens later, from the outbox table.
import type { Queryable } from '../db/database.js';
import { insertOutboxEvents } from '../db/outbox.js';
import { stringifyJson } from '../json.js';
import { newId } from '../ids.js';
import { signalDeliveriesRecorded } from './signal.js';
import type { EventName } from './event-names.js';

export type { EventName };

export interface PendingEvent {
  event: EventName;
  data: unknown;
}

/**
 * Records `events` when a dispatcher delivering webhooks is known to the database, whichever process
 * records them (src/db/event-dispatchers.ts). Without one Blnk sends nothing, and no row is written:
 * writing each event only to mark it skipped cost a fifth of the throughput.
 */
export async function recordEvents(tx: Queryable, events: readonly PendingEvent[]): Promise<void> {
  if (events.length === 0) return;
  await insertOutboxEvents(
    tx,
    events.map((e) => ({ event_id: newId('evt'), event: e.event, payload: stringifyJson(e.data) })),
  );
  signalDeliveriesRecorded(tx, 'webhook');
}

export function recordEvent(tx: Queryable, event: EventName, data: unknown): Promise<void> {
  return recordEvents(tx, [{ event, data }]);
}
