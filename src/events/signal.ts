// An in-process nudge: a transaction that records deliveries wakes this process's dispatcher once it
// commits (never before: the dispatcher would look too early and wait for its next poll). Other
// processes find them by polling.
import type { Database, Queryable } from '../db/database.js';
import { DELIVERY_TABLES, type DeliveryKind } from '../db/deliveries.js';

const TOPIC_PREFIX = 'deliveries:';

/** Wakes the dispatcher for `kind` when `tx` commits. */
export function signalDeliveriesRecorded(tx: Queryable, kind: DeliveryKind): void {
  tx.afterCommit(TOPIC_PREFIX + kind);
}

/** Calls `listener` after each commit that recorded deliveries of a kind; returns the unsubscribe. */
export function onDeliveriesRecorded(db: Database, listener: (kind: DeliveryKind) => void): () => void {
  return db.onCommitted((topic) => {
    if (!topic.startsWith(TOPIC_PREFIX)) return;
    const kind = topic.slice(TOPIC_PREFIX.length);
    if (kind in DELIVERY_TABLES) listener(kind as DeliveryKind);
  });
}
