// The batch applier: one database transaction takes the applier lock, claims due queue rows in
// arrival order, locks every balance they touch (sorted), applies them in memory with the exact
// funds check, and writes all balances, outcome rows and events with a handful of statements.
// A rejected item never blocks the rest; a crash rolls the whole batch back to the queue.
import type { Database, Queryable } from '../db/database.js';
import { lockBalances, writeBalances, type BalanceState } from '../db/balances.js';
import { takeDueItems, type QueueItem } from '../db/transaction-queue.js';
import {
  existingReferences,
  findTransactionsByIds,
  insertTransactions,
  type NewTransaction,
  type TransactionRow,
} from '../db/transactions.js';
import { recordHookDeliveries, type HookTrigger } from '../events/hooks.js';
import { recordEvents, type PendingEvent } from '../events/outbox.js';
import { newId } from '../ids.js';
import { rejectionText } from '../ledger/funds.js';
import { post } from '../ledger/posting.js';
import { transactionView } from '../ledger/transaction-view.js';
import { evaluateMonitors } from './monitors.js';
import { OUTCOME_REFERENCE_SUFFIX, outcomeRow } from './rows.js';

/** pg advisory lock key: one active applier across all processes sharing the database. */
export const APPLIER_LOCK_KEY = 7_243_002;

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

/** Applies `items` (claimed, in arrival order) and writes their outcomes inside `tx`. */
export async function applyItems(tx: Queryable, items: readonly QueueItem[]): Promise<TransactionRow[]> {
  const requests = new Map(
    (await findTransactionsByIds(tx, items.map((item) => item.transaction_id))).map((row) => [row.transaction_id, row]),
  );
  const balanceIds = [...requests.values()].flatMap((row) => [row.source!, row.destination!]);
  const balances = await lockBalances(tx, balanceIds);
  const outcomeReferences = [...requests.values()].map((row) => row.reference + OUTCOME_REFERENCE_SUFFIX);
  const taken = await existingReferences(tx, outcomeReferences);
  const changed = new Set<BalanceState>();
  const outcomes: NewTransaction[] = [];
  for (const item of items) {
    const request = requests.get(item.transaction_id);
    if (!request) throw new Error(`queue row ${item.seq} names a missing transaction`);
    const transaction_id = newId('txn');
    let reference = request.reference + OUTCOME_REFERENCE_SUFFIX;
    let reason: string | undefined;
    if (taken.has(reference)) {
      // Someone used `<ref>_q` as their own reference: record the outcome under a unique one.
      reason = `transaction validation failed: reference ${reference} has already been used`;
      reference = `${reference}_${transaction_id}`;
    } else {
      const rejection = post(balances, {
        source: request.source!,
        destination: request.destination!,
        amount: request.precise_amount,
        inflight: request.inflight,
        allow_overdraft: request.allow_overdraft,
        overdraft_limit_precise: BigInt(item.payload.overdraft_limit_precise ?? '0'),
      });
      if (rejection) reason = rejectionText(rejection);
      else {
        changed.add(balances.get(request.source!)!);
        changed.add(balances.get(request.destination!)!);
      }
    }
    const status = reason !== undefined ? 'REJECTED' : request.inflight ? 'INFLIGHT' : 'APPLIED';
    outcomes.push(outcomeRow(request, { transaction_id, reference, status, reason }));
  }
  await writeBalances(tx, [...changed]);
  await evaluateMonitors(tx, changed);
  const rows = await insertTransactions(tx, outcomes);
  await recordEvents(tx, outcomeEvents(rows));
  await recordHookDeliveries(tx, hookTriggers(items.map((item) => requests.get(item.transaction_id)!), rows));
  return rows;
}

/** One batch: up to `batch_size_max` due queue rows, all or nothing. */
export async function applyDueBatch(db: Database, batch_size_max: number): Promise<BatchResult> {
  return db.transaction(async (tx) => {
    const [lock] = await tx.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [
      APPLIER_LOCK_KEY,
    ]);
    if (!lock.locked) return { processed: 0, busy: true };
    const items = await takeDueItems(tx, batch_size_max);
    if (items.length === 0) return { processed: 0, busy: false };
    await applyItems(tx, items);
    return { processed: items.length, busy: false };
  });
}

/**
 * Gives one queue row a REJECTED outcome without touching balances: for an item whose application
 * keeps failing, so that it cannot stall the queue behind it.
 */
export async function rejectHeadItem(db: Database, reason: string): Promise<string | undefined> {
  return db.transaction(async (tx) => {
    const [lock] = await tx.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [
      APPLIER_LOCK_KEY,
    ]);
    if (!lock.locked) return undefined;
    const [item] = await takeDueItems(tx, 1);
    if (!item) return undefined;
    const [request] = await findTransactionsByIds(tx, [item.transaction_id]);
    const transaction_id = newId('txn');
    const reference = request.reference + OUTCOME_REFERENCE_SUFFIX;
    const taken = await existingReferences(tx, [reference]);
    const rows = await insertTransactions(tx, [
      outcomeRow(request, {
        transaction_id,
        reference: taken.has(reference) ? `${reference}_${transaction_id}` : reference,
        status: 'REJECTED',
        reason,
      }),
    ]);
    await recordEvents(tx, outcomeEvents(rows));
    return request.transaction_id;
  });
}
