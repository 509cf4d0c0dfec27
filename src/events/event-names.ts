// Every event Kassa records, and the subscription patterns `notification.webhook.events` accepts.

export const EVENT_NAMES = [
  'ledger.created',
  'balance.created',
  'identity.created',
  'balance.monitor',
  'transaction.applied',
  'transaction.inflight',
  'transaction.void',
  'transaction.rejected',
  'bulk_transaction.applied',
  'bulk_transaction.inflight',
  'bulk_transaction.failed',
  /** A queued commit or void that was answered 2xx and then refused or dropped by the worker. */
  'inflight_action.refused',
  /** Kassa's own: failed authentications from one source address reached the threshold. */
  'security.auth_failures',
  /** A reconciliation run finished (documented by Blnk from 0.15.0; carries the run as GET shows it). */
  'reconciliation.completed',
  'reconciliation.failed',
] as const;

export type EventName = (typeof EVENT_NAMES)[number];

/**
 * Whether `pattern` is a subscription that names something: `*`, an event name, or `<prefix>.*`
 * where some event starts with `<prefix>.`.
 */
export function isEventPattern(pattern: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) return EVENT_NAMES.some((name) => name.startsWith(pattern.slice(0, -1)));
  return (EVENT_NAMES as readonly string[]).includes(pattern);
}

/** Whether `patterns` (null = every event) take `event`; the outbox insert applies the same rule in SQL. */
export function subscribes(patterns: readonly string[] | null, event: string): boolean {
  if (patterns === null) return true;
  return patterns.some((p) => p === '*' || p === event || (p.endsWith('.*') && event.startsWith(p.slice(0, -1))));
}
