// Committing and voiding holds (blnk-contract.md ledger §4.3-4.6): directly inside a request (skip_queue), or
// queued as an action the inflight worker settles later. Either way one database transaction locks
// the holds' balances (in balance_id order, like every writer), reads what is left of each hold under
// that lock, and writes the settlement rows, the balances and the events together.
import { lockBalances } from '../../db/locks.js';
import { applyUnits, DIRECT_REFUSALS, type Leg } from '../../ledger/apply-units.js';
import { lockWorking, writeWorking } from '../accept/pipeline.js';
import type { Database, Queryable } from '../../db/database.js';
import { findHoldLegs, findHolds, groupExists, settledAmounts } from '../../db/holds.js';
import { insertRequestedAction, otherRequestedAction } from '../../db/inflight-actions.js';
import { findTransaction, insertTransactions } from '../../db/transactions.js';
import type { NewTransaction, TransactionRow } from '../../ledger/records.js';
import { ApiError } from '../../errors.js';
import type { HookTrigger } from '../../events/hooks.js';
import { recordTransactionDeliveries } from '../../events/outbox.js';
import { newId } from '../../ids.js';
import { notInflight, planGroup, type HoldLeg, type InflightAction, type Settlement } from '../../ledger/inflight.js';
import { toAmountString } from '../../ledger/money.js';
import { transactionView } from '../../views/transaction.js';
import { translateRecordError } from '../accept/record.js';
import { transactionHash } from '../accept/transaction-rows.js';
import { setLockTimeout } from '../../db/locks.js';

export const transactionNotFound = () => new ApiError('TXN_NOT_FOUND', 'transaction not found');
export const alreadyQueued = () => new ApiError('GEN_CONFLICT', 'a commit or void is already queued for this transaction');

function holdLeg(row: TransactionRow, settled = { committed: 0n, voided: 0n, has_void: false }): HoldLeg {
  return {
    transaction_id: row.transaction_id,
    currency: row.currency,
    precise_amount: row.precise_amount,
    precision: row.precision,
    ...settled,
  };
}

/** The error when `id` names no hold: unknown id, or rows that are not holds. */
async function missingHold(db: Queryable, id: string): Promise<ApiError> {
  return (await groupExists(db, id)) ? notInflight() : transactionNotFound();
}

/** The child row settling `settlement` of `leg`: APPLIED for a commit, VOID for a void. */
function settlementRow(leg: TransactionRow, settlement: Settlement, reference: string): NewTransaction {
  const amount = toAmountString(settlement.precise_amount, leg.precision);
  const { inflight: _hold, ...meta } = leg.meta_data ?? {};
  return {
    transaction_id: newId('txn'),
    parent_transaction: leg.transaction_id,
    source: leg.source,
    destination: leg.destination,
    reference,
    amount,
    precise_amount: settlement.precise_amount,
    precision: leg.precision,
    currency: leg.currency,
    description: leg.description,
    status: settlement.action === 'commit' ? 'APPLIED' : 'VOID',
    hash: transactionHash({
      amount_string: amount,
      reference,
      currency: leg.currency,
      source: leg.source ?? '',
      destination: leg.destination ?? '',
    }),
    allow_overdraft: leg.allow_overdraft,
    inflight: false,
    atomic: leg.atomic,
    scheduled_for: null,
    // Children carry the hold's effective date (§8.3).
    effective_date: leg.effective_date,
    inflight_expiry_date: null,
    inflight_commit_date: null,
    meta_data: leg.meta_data === null ? null : meta,
    queued_group: leg.queued_group,
  };
}

/**
 * Settles every leg of the group `id` names, inside `tx`. `requested` null settles what is left.
 * Throws an ApiError (nothing written) when no leg may be settled. Returns the rows written.
 */
export async function settleGroup(
  tx: Queryable,
  id: string,
  action: InflightAction,
  requested: bigint | null,
  referenceFor: (leg: TransactionRow) => string,
): Promise<TransactionRow[]> {
  const legs = await findHoldLegs(tx, id);
  if (legs.length === 0) throw await missingHold(tx, id);
  const working = await lockWorking(
    tx,
    legs.flatMap((leg) => [leg.source!, leg.destination!]),
  );
  // Read under the locks: what is left of each hold.
  const settled = await settledAmounts(
    tx,
    legs.map((leg) => leg.transaction_id),
  );
  const plan = planGroup(
    legs.map((leg) => holdLeg(leg, settled.get(leg.transaction_id))),
    action,
    requested,
  );
  const legsById = new Map(legs.map((leg) => [leg.transaction_id, leg]));
  const settlements = plan.map((settlement) => ({ settlement, leg: legsById.get(settlement.leg.transaction_id)! }));
  // planGroup has refused whatever may not be settled: the one unit always applies.
  const { changed } = applyUnits(
    working,
    [
      settlements.map(({ settlement, leg }): Leg => ({
        kind: 'settle',
        source: leg.source!,
        destination: leg.destination!,
        action,
        amount: settlement.precise_amount,
      })),
    ],
    { check_first: 'references', refusals: DIRECT_REFUSALS },
  );
  await writeWorking(tx, working, changed);
  const rows = settlements.map(({ settlement, leg }) => settlementRow(leg, settlement, referenceFor(leg)));
  const written = await insertTransactions(tx, rows);
  const views = written.map(transactionView);
  const event = action === 'commit' ? 'transaction.applied' : 'transaction.void';
  await recordTransactionDeliveries(
    tx,
    views.map((data) => ({ event, data })),
    [
      ...views.map((transaction): HookTrigger => ({ type: 'PRE_TRANSACTION', transaction })),
      ...views.map((transaction): HookTrigger => ({ type: 'POST_TRANSACTION', transaction })),
    ],
  );
  return written;
}

export interface DirectSettleOptions {
  lock_wait_timeout_ms: number;
}

/** skip_queue: settles now; returns the first row written (Blnk answers with it). */
export async function settleDirect(
  db: Database,
  id: string,
  action: InflightAction,
  requested: bigint | null,
  options: DirectSettleOptions,
): Promise<TransactionRow> {
  try {
    const rows = await db.transaction(async (tx) => {
      await setLockTimeout(tx, options.lock_wait_timeout_ms);
      return settleGroup(tx, id, action, requested, () => newId('ref'));
    });
    return rows[0];
  } catch (error) {
    throw translateRecordError(error, '');
  }
}

/**
 * Checks now what the worker would check later (no locks: a race only means the worker refuses
 * it then). Returns the row to answer with. A queued create that the worker has not applied yet
 * counts as a hold of its full amount.
 */
export async function prevalidate(
  db: Queryable,
  id: string,
  action: InflightAction,
  requested: bigint | null,
): Promise<TransactionRow> {
  const { legs, pending } = await findHolds(db, id);
  if (legs.length > 0) {
    const settled = await settledAmounts(
      db,
      legs.map((leg) => leg.transaction_id),
    );
    planGroup(
      legs.map((leg) => holdLeg(leg, settled.get(leg.transaction_id))),
      action,
      requested,
    );
  } else if (pending.length > 0) {
    planGroup(
      pending.map((row) => holdLeg(row)),
      action,
      requested,
    );
  } else {
    throw await missingHold(db, id);
  }
  return (await findTransaction(db, id)) ?? legs[0] ?? pending[0];
}

/** Every id a caller may name a hold's rows by: the rows, their parents, their queued groups. */
function namesOf(rows: readonly TransactionRow[]): string[] {
  return [...new Set(rows.flatMap((row) => [row.transaction_id, row.parent_transaction, row.queued_group ?? '']))].filter(
    (name) => name !== '',
  );
}

/**
 * Queued path: validated now, settled by the inflight worker. Returns the row to answer with. In one
 * database transaction: the hold's balances are locked as a settlement locks them (a settlement in
 * progress, the worker's, a deadline's or a direct one, finishes first and the check sees it); then
 * the action is inserted, and a pending request for the same hold under any of its ids is 409 at
 * once; then the check. A second commit of a hold is refused, never accepted and dropped later.
 */
export async function queueSettlement(
  db: Database,
  id: string,
  action: InflightAction,
  requested: bigint | null,
): Promise<TransactionRow> {
  return db.transaction(async (tx) => {
    const { legs, pending } = await findHolds(tx, id);
    const rows = [...legs, ...pending];
    await lockBalances(
      tx,
      rows.flatMap((row) => [row.source!, row.destination!]),
    );
    const action_id = newId('act');
    const queued = await insertRequestedAction(tx, {
      action_id,
      target_id: id,
      action,
      precise_amount: requested === 0n ? null : requested,
    });
    if (!queued || (await otherRequestedAction(tx, [id, ...namesOf(rows)], action_id))) throw alreadyQueued();
    // Read again, now that the locks are held: the holds read before may have been applied or settled
    // while this transaction waited for them.
    return prevalidate(tx, id, action, requested);
  });
}
