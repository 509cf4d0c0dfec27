// Transaction hooks (blnk-contract.md platform §1). The engine calls recordHookDeliveries inside the database
// transaction that reaches a trigger point; the dispatcher delivers each (transaction, hook) pair
// with deliverHook. A hook's answer never changes the transaction.
import type { Queryable } from '../db/database.js';
import { activeHookTypes, insertHookDeliveries, type ClaimedHookDelivery, type HookType } from '../db/hooks.js';
import { stringifyJson } from '../json.js';
import { describeFailure, postJson } from './outbound-post.js';
import { signatureHeaders, unixSeconds, type SigningKeys } from './signature.js';
import { signalDeliveriesRecorded } from './signal.js';
import type { AttemptResult } from './webhook.js';

export type { HookType };

/** A transaction as the API shows it (the JSON view); only these two keys are read here. */
export interface HookTransaction {
  transaction_id: string;
  status?: unknown;
  [key: string]: unknown;
}

const STATUS_EVENTS: Record<string, string> = {
  APPLIED: 'transaction.applied',
  INFLIGHT: 'transaction.inflight',
  VOID: 'transaction.void',
  REJECTED: 'transaction.rejected',
  QUEUED: 'transaction.queued',
  SCHEDULED: 'transaction.scheduled',
};

/**
 * Blnk's body `{transaction_id, hook_type, timestamp, data}` plus the docs' `event` key
 * (blnk-contract.md platform §13.2: the union is safe for receivers). `timestamp` is the time of queueing.
 */
export function hookBody(type: HookType, transaction: HookTransaction, now: Date = new Date()): Record<string, unknown> {
  return {
    transaction_id: transaction.transaction_id,
    hook_type: type,
    event: STATUS_EVENTS[String(transaction.status)] ?? 'transaction.unknown',
    timestamp: now.toISOString(),
    data: transaction,
  };
}

export interface HookTrigger {
  type: HookType;
  transaction: HookTransaction;
}

/**
 * Records one delivery per active hook of the trigger's type for each trigger, in one statement.
 * Call it inside the database transaction that reaches the trigger points: PRE_TRANSACTION with the
 * transaction as received when the record path starts (it fires even if the transaction is then
 * rejected); POST_TRANSACTION with the persisted APPLIED, INFLIGHT or VOID transaction (never for
 * rejected ones).
 */
export async function recordHookDeliveries(
  tx: Queryable,
  triggers: readonly HookTrigger[],
  /** The active hook types, when the caller has read them (db/delivery-targets.ts). */
  known_types?: ReadonlySet<string>,
): Promise<void> {
  if (triggers.length === 0) return;
  // Most installations have no hooks: one cheap read spares building and shipping every body.
  const types = known_types ?? (await activeHookTypes(tx));
  const wanted = triggers.filter((trigger) => types.has(trigger.type));
  if (wanted.length === 0) return;
  const now = new Date();
  await insertHookDeliveries(
    tx,
    wanted.map(({ type, transaction }) => ({
      type,
      transaction_id: transaction.transaction_id,
      payload: stringifyJson(hookBody(type, transaction, now)),
    })),
  );
  signalDeliveriesRecorded(tx, 'hook');
}

/**
 * Blnk's success rules for a hook's answer (§1.5): a JSON object answer decides by its `success`
 * flag whatever the status; an empty body needs a 2xx; anything else succeeds below 400.
 */
export function hookAnswerSucceeded(status: number, body: string): boolean {
  if (body.trim() === '') return status >= 200 && status < 300;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return status < 400;
  }
  if (parsed === null) return false;
  if (typeof parsed !== 'object' || Array.isArray(parsed)) return status < 400;
  const { success, message } = parsed as Record<string, unknown>;
  const mappable =
    (success === undefined || success === null || typeof success === 'boolean') &&
    (message === undefined || message === null || typeof message === 'string');
  if (!mappable) return status < 400;
  return success === true;
}

export async function deliverHook(
  keys: SigningKeys,
  delivery: ClaimedHookDelivery,
  abort: AbortSignal,
): Promise<AttemptResult & { status?: number }> {
  // A timeout of 0 or less (possible through PUT) is a deadline already passed, as in Blnk.
  if (delivery.timeout <= 0) return { ok: false, error: 'timed out: the hook timeout is 0' };
  const body = stringifyJson(delivery.payload);
  const timestamp = unixSeconds();
  const headers = new Headers({
    'Content-Type': 'application/json',
    'X-Blnk-Timestamp': timestamp,
    // Hooks are always signed; an empty secret is an empty HMAC key (Blnk's rule).
    ...signatureHeaders(keys, timestamp, body),
    'X-Hook-ID': delivery.hook_id,
    'X-Hook-Type': delivery.type,
    'X-Blnk-Delivery-Id': delivery.delivery_id,
  });
  try {
    const answer = await postJson(delivery.url, body, headers, delivery.timeout * 1000, abort);
    if (hookAnswerSucceeded(answer.status, answer.body)) return { ok: true, status: answer.status };
    return { ok: false, error: `HTTP ${answer.status}: the hook did not answer success`, status: answer.status };
  } catch (error) {
    return { ok: false, error: describeFailure(error) };
  }
}
