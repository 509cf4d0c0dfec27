// Recording a new transaction: queued (the request row and its queue row committed before the
// answer) or direct (`skip_queue`: locked, checked, applied and written in one database transaction).
import type { Config } from '../../config/config.js';
import type { Database, Queryable } from '../../db/database.js';
import { isSqlError, SQLSTATE } from '../../db/database.js';
import { enqueue, type QueuePayload, type QueueRow } from '../../db/transaction-queue.js';
import { insertTransactions } from '../../db/transactions.js';
import type { NewTransaction, TransactionRow } from '../../ledger/records.js';
import { ApiError } from '../../errors.js';
import { newId } from '../../ids.js';
import { DIRECT_REFUSALS, requestLegs, type ApplyPolicy } from '../../ledger/apply-units.js';
import { postUnits } from './pipeline.js';
import { storeConditions } from './queued-conditions.js';
import { hasConditions } from '../../ledger/posting-conditions.js';
import type { TransactionRequest } from '../../ledger/transaction-request.js';
import { insertDirectRows } from './write-applied.js';
import { resolvePair } from './resolve-balances.js';
import { requestRow } from './transaction-rows.js';
import { setLockTimeout } from '../../db/locks.js';

export interface DirectOptions {
  lock_wait_timeout_ms: number;
  enable_queued_checks: boolean;
}

/** The direct path's settings, as configured. */
export function directOptionsOf(config: Config): DirectOptions {
  return {
    lock_wait_timeout_ms: config.transaction.lock_wait_timeout_ms,
    enable_queued_checks: config.transaction.enable_queued_checks,
  };
}

export const duplicateReference = DIRECT_REFUSALS.duplicate;

function isDuplicateReference(error: unknown): boolean {
  if (!isSqlError(error, SQLSTATE.uniqueViolation)) return false;
  return (error.constraint ?? error.message).includes('reference');
}

/** A single skip_queue transaction: its funds check answers first, then its reference. */
export const DIRECT_POLICY: ApplyPolicy<ApiError> = { check_first: 'funds', refusals: DIRECT_REFUSALS };

/** Maps the database's refusals of a new transaction to Blnk's answers. */
export function translateRecordError(error: unknown, reference: string): unknown {
  if (isDuplicateReference(error)) return duplicateReference(reference);
  if (isSqlError(error, SQLSTATE.lockNotAvailable) || isSqlError(error, SQLSTATE.deadlockDetected)) {
    return new ApiError('GEN_RESOURCE_LOCKED', 'failed to acquire lock: balance is busy, try again');
  }
  return error;
}

function isScheduled(request: TransactionRequest, now_ms: number): boolean {
  return request.scheduled_for !== null && Date.parse(request.scheduled_for) > now_ms;
}

type QueuedRequest = {
  request: TransactionRequest;
  transaction_id: string;
  parent_transaction?: string;
  /** Requests sharing a group are applied all or none. */
  atomic_group?: string;
  queued_parent?: string;
};

/** The QUEUED (or SCHEDULED) request rows of `requests` and their queue rows, in the same order. */
export function queuedRequestRows(requests: readonly QueuedRequest[]): { rows: NewTransaction[]; queue: QueueRow[] } {
  const now_ms = Date.now();
  const rows = requests.map(({ request, transaction_id, parent_transaction, queued_parent }) =>
    requestRow(request, {
      transaction_id,
      status: isScheduled(request, now_ms) ? 'SCHEDULED' : 'QUEUED',
      source: request.source,
      destination: request.destination,
      parent_transaction,
      queued: true,
      queued_parent,
    }),
  );
  // Legs only to place each transaction's conditions (a split's first and last leg); most carry none.
  const legs = requests.some(({ request }) => hasConditions(request.conditions))
    ? requestLegs(requests.map(({ request }) => ({ request, source: request.source, destination: request.destination })))
    : undefined;
  const queue = requests.map(({ request, transaction_id, atomic_group }, index): QueueRow => {
    const payload: QueuePayload = {};
    const conditions = legs?.[index].conditions;
    if (conditions) payload.conditions = storeConditions(conditions);
    if (request.overdraft_limit_precise > 0n) payload.overdraft_limit_precise = request.overdraft_limit_precise.toString();
    if (atomic_group !== undefined) payload.atomic_group = atomic_group;
    return { transaction_id, run_at: isScheduled(request, now_ms) ? request.scheduled_for : null, payload };
  });
  alignGroupRunAt(queue);
  return { rows, queue };
}

/**
 * The worker claims an atomic group whole, as soon as one member is due: every member waits for the
 * latest `scheduled_for` among them, so that no member applies before its time.
 */
function alignGroupRunAt(queue: QueueRow[]): void {
  const latest = new Map<string, number>();
  for (const item of queue) {
    const group = item.payload.atomic_group;
    if (group === undefined || item.run_at === null) continue;
    latest.set(group, Math.max(latest.get(group) ?? 0, Date.parse(item.run_at)));
  }
  for (const item of queue) {
    const at = item.payload.atomic_group === undefined ? undefined : latest.get(item.payload.atomic_group);
    if (at !== undefined) item.run_at = new Date(at).toISOString();
  }
}

/**
 * Inserts queued request rows and their queue rows inside `tx`. Each request's source and
 * destination must already be balance ids. For engines built on this one (splits, bulk, refunds).
 */
export async function enqueueRequests(tx: Queryable, requests: readonly QueuedRequest[]): Promise<TransactionRow[]> {
  const { rows, queue } = queuedRequestRows(requests);
  const inserted = await insertTransactions(tx, rows);
  await enqueue(tx, queue);
  return inserted;
}

/** Where a new transaction hangs in the row tree (refunds name the row they reverse). */
export interface Placement {
  parent_transaction?: string;
}

/** Queued path: the QUEUED (or SCHEDULED) row exists, durably, when this resolves. */
export async function recordQueued(
  db: Database,
  request: TransactionRequest,
  placement: Placement = {},
): Promise<TransactionRow> {
  try {
    return await db.transaction(async (tx) => {
      const resolved = { ...request, ...(await resolvePair(tx, request)) };
      const [row] = await enqueueRequests(tx, [
        { request: resolved, transaction_id: newId('txn'), parent_transaction: placement.parent_transaction },
      ]);
      return row;
    });
  } catch (error) {
    throw translateRecordError(error, request.reference);
  }
}

/** skip_queue: applied (or refused, leaving nothing behind) before this resolves. */
export async function recordDirect(
  db: Database,
  request: TransactionRequest,
  options: DirectOptions,
  placement: Placement = {},
): Promise<TransactionRow> {
  try {
    return await db.transaction(async (tx) => {
      await setLockTimeout(tx, options.lock_wait_timeout_ms);
      const { source, destination } = await resolvePair(tx, request);
      // The reference is checked by the insert, after the funds check (as Blnk answers).
      const [outcome] = (
        await postUnits(tx, [requestLegs([{ request, source, destination }])], DIRECT_POLICY, {
          enable_queued_checks: options.enable_queued_checks,
        })
      ).outcomes;
      if (!outcome.applied) throw outcome.refusal;
      const status = request.inflight ? 'INFLIGHT' : 'APPLIED';
      const [row] = await insertDirectRows(tx, [
        requestRow(request, {
          transaction_id: newId('txn'),
          status,
          source,
          destination,
          parent_transaction: placement.parent_transaction,
        }),
      ]);
      return row;
    });
  } catch (error) {
    throw translateRecordError(error, request.reference);
  }
}
