// The batch applier: one database transaction takes the applier lock, claims due queue rows in
// arrival order, locks every balance they touch (sorted), applies them in memory with the exact
// funds check, and writes all balances, outcome rows and events with a handful of statements.
// A rejected item never blocks the rest; a crash rolls the whole batch back to the queue.
import type { Database, Queryable } from '../../db/database.js';
import { takeDueItems, takeGroupRemainders, type QueueItem } from '../../db/transaction-queue.js';
import { existingReferences, findTransactionsByIds, insertTransactions } from '../../db/transactions.js';
import type { NewTransaction, TransactionRow } from '../../ledger/records.js';
import type { HookTrigger } from '../../events/hooks.js';
import { recordEvents, recordTransactionDeliveries, type PendingEvent } from '../../events/outbox.js';
import { newId } from '../../ids.js';
import { rejectionText } from '../../ledger/funds.js';
import { conditionText } from '../../ledger/posting-conditions.js';
import type { Leg, Refusals } from '../../ledger/apply-units.js';
import { postUnits } from '../accept/pipeline.js';
import { loadConditions } from '../accept/queued-conditions.js';
import { ADVISORY_LOCK_KEY, tryAdvisoryLock } from '../../db/locks.js';
import { transactionView } from '../../views/transaction.js';
import { OUTCOME_REFERENCE_SUFFIX, outcomeRow } from '../accept/transaction-rows.js';

export interface BatchResult {
  /** Queue rows consumed (each got exactly one outcome row). */
  processed: number;
  /** Another process holds the applier lock. */
  busy: boolean;
}

const EVENT_BY_STATUS = {
  APPLIED: 'transaction.applied',
  INFLIGHT: 'transaction.inflight',
  REJECTED: 'transaction.rejected',
} as const;

function outcomeEvents(rows: readonly TransactionRow[]): PendingEvent[] {
  return rows.map((row) => ({
    event: EVENT_BY_STATUS[row.status as keyof typeof EVENT_BY_STATUS],
    data: transactionView(row),
  }));
}

/** PRE_TRANSACTION for every request taken up, POST_TRANSACTION for every outcome that moved money. */
function hookTriggers(requests: readonly TransactionRow[], outcomes: readonly TransactionRow[]): HookTrigger[] {
  return [
    ...requests.map((row): HookTrigger => ({ type: 'PRE_TRANSACTION', transaction: transactionView(row) })),
    ...outcomes
      .filter((row) => row.status !== 'REJECTED')
      .map((row): HookTrigger => ({ type: 'POST_TRANSACTION', transaction: transactionView(row) })),
  ];
}

/** Items apply one by one, except that the members of an atomic group apply all or none. */
function units(items: readonly QueueItem[]): QueueItem[][] {
  const result: QueueItem[][] = [];
  const groups = new Map<string, QueueItem[]>();
  for (const item of items) {
    const group = item.payload.atomic_group;
    if (group === undefined) {
      result.push([item]);
      continue;
    }
    const members = groups.get(group);
    if (members) members.push(item);
    else {
      const first = [item];
      groups.set(group, first);
      result.push(first);
    }
  }
  return result;
}

/** How the queue words a refusal: the REJECTED outcome's reason. */
const QUEUE_REFUSALS: Refusals<string> = {
  funds: rejectionText,
  duplicate: (reference) => `transaction validation failed: reference ${reference} has already been used`,
  sameBalance: () => 'source and destination cannot be the same balance',
  condition: conditionText,
};

/** `<ref>_q`, or `<ref>_q_<id>` when someone used `<ref>_q` as their own reference. */
function outcomeReference(request: TransactionRow, taken: ReadonlySet<string>, transaction_id: string): string {
  const reference = request.reference + OUTCOME_REFERENCE_SUFFIX;
  return taken.has(reference) ? `${reference}_${transaction_id}` : reference;
}

/**
 * Takes the applier lock and up to `limit` due queue rows with the rest of their atomic groups, in
 * arrival order; undefined when another process holds the lock.
 */
async function claimDue(tx: Queryable, limit: number): Promise<QueueItem[] | undefined> {
  if (!(await tryAdvisoryLock(tx, ADVISORY_LOCK_KEY.applier))) return undefined;
  const items = await takeDueItems(tx, limit);
  if (items.length === 0) return items;
  items.push(...(await takeGroupRemainders(tx, items)));
  return items.sort((a, b) => (BigInt(a.seq) < BigInt(b.seq) ? -1 : 1));
}

/** Applies `items` (claimed, in arrival order) and writes their outcomes inside `tx`. */
export async function applyItems(tx: Queryable, items: readonly QueueItem[]): Promise<TransactionRow[]> {
  const requests = new Map(
    (
      await findTransactionsByIds(
        tx,
        items.map((item) => item.transaction_id),
      )
    ).map((row) => [row.transaction_id, row]),
  );
  const requestOf = (item: QueueItem): TransactionRow => {
    const request = requests.get(item.transaction_id);
    if (!request) throw new Error(`queue row ${item.seq} names a missing transaction`);
    return request;
  };
  const taken = await existingReferences(
    tx,
    [...requests.values()].map((row) => row.reference + OUTCOME_REFERENCE_SUFFIX),
  );
  const batch = units(items);
  // Each item's outcome reference is checked first, then its funds; a group applies all or none.
  const { outcomes } = await postUnits(
    tx,
    batch.map((unit) =>
      unit.map((item): Leg => {
        const request = requestOf(item);
        return {
          kind: 'post',
          source: request.source!,
          destination: request.destination!,
          amount: request.precise_amount,
          inflight: request.inflight,
          allow_overdraft: request.allow_overdraft,
          overdraft_limit_precise: BigInt(item.payload.overdraft_limit_precise ?? '0'),
          reference: request.reference + OUTCOME_REFERENCE_SUFFIX,
          conditions: item.payload.conditions && loadConditions(item.payload.conditions),
        };
      }),
    ),
    { check_first: 'references', refusals: QUEUE_REFUSALS, taken },
    { enable_queued_checks: false },
  );
  const taken_up: TransactionRow[] = [];
  const results: NewTransaction[] = [];
  batch.forEach((unit, u) => {
    const outcome = outcomes[u];
    // Every member of a refused group carries the refusal of the member that failed.
    const reason = outcome.applied ? undefined : outcome.refusal;
    for (const item of unit) {
      const request = requestOf(item);
      const transaction_id = newId('txn');
      taken_up.push(request);
      results.push(
        outcomeRow(request, {
          transaction_id,
          reference: outcomeReference(request, taken, transaction_id),
          status: reason !== undefined ? 'REJECTED' : request.inflight ? 'INFLIGHT' : 'APPLIED',
          reason,
        }),
      );
    }
  });
  const rows = await insertTransactions(tx, results);
  await recordTransactionDeliveries(tx, outcomeEvents(rows), hookTriggers(taken_up, rows));
  return rows;
}

/** One batch: up to `batch_size_max` due queue rows, all or nothing. */
export async function applyDueBatch(db: Database, batch_size_max: number): Promise<BatchResult> {
  return db.transaction(async (tx) => {
    const items = await claimDue(tx, batch_size_max);
    if (items === undefined) return { processed: 0, busy: true };
    if (items.length === 0) return { processed: 0, busy: false };
    await applyItems(tx, items);
    return { processed: items.length, busy: false };
  });
}

/**
 * Gives the head queue row (with the rest of its atomic group) a REJECTED outcome without touching
 * balances: for an item whose application keeps failing, so that it cannot stall the queue behind it.
 * Returns the request ids rejected.
 */
export async function rejectHeadItem(db: Database, reason: string): Promise<string[]> {
  return db.transaction(async (tx) => {
    const items = (await claimDue(tx, 1)) ?? [];
    if (items.length === 0) return [];
    const requests = await findTransactionsByIds(
      tx,
      items.map((item) => item.transaction_id),
    );
    const taken = await existingReferences(
      tx,
      requests.map((request) => request.reference + OUTCOME_REFERENCE_SUFFIX),
    );
    const rows = await insertTransactions(
      tx,
      requests.map((request) => {
        const transaction_id = newId('txn');
        return outcomeRow(request, {
          transaction_id,
          reference: outcomeReference(request, taken, transaction_id),
          status: 'REJECTED',
          reason,
        });
      }),
    );
    await recordEvents(tx, outcomeEvents(rows));
    return requests.map((request) => request.transaction_id);
  });
}
