// Recording events: call inside the database transaction that makes the change, so the event
// exists exactly when the change does. Delivery happens later, from the outbox table.
import type { Queryable } from '../db/database.js';
import { insertOutboxEvents } from '../db/outbox.js';
import { stringifyJson } from '../json.js';
import { newId } from '../ids.js';
import { signalDeliveriesRecorded } from './signal.js';
import { subscribes, type EventName } from './event-names.js';
import { readDeliveryTargets, type DeliveryTargets } from '../db/delivery-targets.js';
import { recordHookDeliveries, type HookTrigger } from './hooks.js';

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
export async function recordEvents(
  tx: Queryable,
  events: readonly PendingEvent[],
  /** Who listens, when the caller has read it: nothing is built or sent for events nobody takes. */
  targets?: DeliveryTargets,
): Promise<void> {
  if (targets && !events.some((e) => targets.webhook && subscribes(targets.webhook.events, e.event))) return;
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

/**
 * The events and hook deliveries of transactions written in `tx`, after one read of who listens
 * (db/delivery-targets.ts): with nobody listening, no body is built or sent.
 */
export async function recordTransactionDeliveries(
  tx: Queryable,
  events: readonly PendingEvent[],
  triggers: readonly HookTrigger[],
): Promise<void> {
  if (events.length === 0 && triggers.length === 0) return;
  const targets = await readDeliveryTargets(tx);
  await recordEvents(tx, events, targets);
  await recordHookDeliveries(tx, triggers, targets.hook_types);
}
