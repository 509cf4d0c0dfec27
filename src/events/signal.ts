// An in-process nudge: code that records deliveries wakes this process's dispatcher, which would
// otherwise find them at its next poll. Other processes find them by polling.
import type { DeliveryKind } from '../db/deliveries.js';

type Listener = (kind: DeliveryKind) => void;

const listeners = new Set<Listener>();

export function onDeliveriesRecorded(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function signalDeliveriesRecorded(kind: DeliveryKind): void {
  for (const listener of listeners) listener(kind);
}
