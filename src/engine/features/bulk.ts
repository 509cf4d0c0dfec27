// Bulk transactions (blnk-contract.md ledger §7). A batch is planned into legs (one per item, or one per
// split leg) with parent_transaction = the batch id and meta_data.sequence = the item's 1-based
// position, and into units that apply all or none: the whole batch when it is atomic, else each item
// (an atomic split item whole, a plain split leg by leg).
// Queued: every QUEUED row and queue row in one database transaction; an atomic batch is one atomic
// group in the queue. skip_queue: unit by unit in array order, each in its own database transaction
// (an atomic batch is one), stopping at the first refusal.
// A steward (the asynchronous runner) rides along inside those transactions to record progress and
// the outcome, so that a stored batch resumes exactly where it stopped.
import type { Database, Queryable } from '../../db/database.js';
import { hasConditions } from '../../ledger/posting-conditions.js';
import { existingReferences } from '../../db/transactions.js';
import { ApiError, type ErrorCode } from '../../errors.js';
import { newId } from '../../ids.js';
import { itemError, type BulkRequest } from '../../ledger/bulk-request.js';
import { divideRoundHalfAwayFromZero, effectivePrecision } from '../../ledger/money.js';
import type { TransactionRequest } from '../../ledger/transaction-request.js';
import { duplicateReference, enqueueRequests, translateRecordError, type DirectOptions } from '../accept/record.js';
import { claimLegReferences, type SplitLegs } from '../accept/leg-references.js';
import { resolveMany } from '../accept/resolve-balances.js';
import { applyAllOrNothing, isSplit, LegRefusal, planSplit } from './splits.js';

export interface BulkLeg {
  request: TransactionRequest;
  /** 0-based position of the item this leg belongs to. */
  item: number;
  unit: number;
  /** Set on the legs of a split item: their references are derived from the item's. */
  split?: true;
}

export interface BulkPlan {
  batch_id: string;
  inflight: boolean;
  atomic: boolean;
  skip_queue: boolean;
  items: TransactionRequest[];
  legs: BulkLeg[];
  /** Indexes into `legs`, in order; each unit applies all or none. */
  units: number[][];
}

export type BulkOutcome = { status: 'applied' | 'inflight'; transaction_count: number } | { status: 'failed'; error: string };

/** The asynchronous runner's hooks, each called inside the database transaction doing the work. */
export interface BatchSteward {
  /** First thing in every transaction: locks the batch, false when this claim no longer owns it. */
  hold(tx: Queryable, units_done: number): Promise<boolean>;
  advance(tx: Queryable, units_done: number): Promise<void>;
  finish(tx: Queryable, outcome: BulkOutcome): Promise<void>;
}

/** The batch was taken over by another process (or finished): stop without touching it. */
export class BatchLost extends Error {
  constructor(batch_id: string) {
    super(`bulk batch ${batch_id} is no longer held by this process`);
  }
}

export const NOT_ROLLED_BACK = 'Previous transactions were not rolled back.';
/** Kassa rolls an atomic batch back in the database (Blnk refunds or voids what it had applied). */
export const ROLLED_BACK = 'All transactions in this batch have been rolled back: none was applied.';

/** Legs and units of a validated request; a split item that cannot be split refuses the request. */
export function planBatch(batch_id: string, bulk: BulkRequest): BulkPlan {
  const legs: BulkLeg[] = [];
  const units: number[][] = [];
  bulk.items.forEach((item, index) => {
    const request: TransactionRequest = {
      ...item,
      inflight: bulk.inflight,
      skip_queue: bulk.skip_queue,
      dry_run: false,
      meta_data: { ...item.meta_data, sequence: index + 1 },
    };
    let requests: TransactionRequest[];
    const split = isSplit(request);
    try {
      requests = split ? planSplit(request, bulk.skip_queue ? '-' : '_').map((leg) => leg.request) : [request];
    } catch (error) {
      throw itemError(index, error);
    }
    // Together: the legs of this item share a unit (the batch's one unit when it is atomic); a split
    // carrying conditions applies whole, as they cover all its legs.
    const together = request.atomic || requests.length === 1 || hasConditions(request.conditions);
    let unit = -1;
    for (const leg of requests) {
      if (bulk.atomic) unit = units.length > 0 ? 0 : units.push([]) - 1;
      else if (!together || unit < 0) unit = units.push([]) - 1;
      units[unit].push(legs.length);
      legs.push(split ? { request: leg, item: index, unit, split: true } : { request: leg, item: index, unit });
    }
  });
  return { batch_id, inflight: bulk.inflight, atomic: bulk.atomic, skip_queue: bulk.skip_queue, items: bulk.items, legs, units };
}

/** The split items among `legs`, for claimLegReferences: each under the batch's id. */
function splitsOf(plan: BulkPlan, legs: readonly BulkLeg[]): SplitLegs[] {
  const byItem = new Map<number, SplitLegs>();
  for (const leg of legs) {
    if (!leg.split) continue;
    const split = byItem.get(leg.item) ?? { reference: plan.items[leg.item].reference, transaction_id: plan.batch_id, legs: [] };
    split.legs.push(leg.request);
    byItem.set(leg.item, split);
  }
  return [...byItem.values()];
}

/** Blnk classifies a bulk failure by its text (blnk-contract.md ledger §0.3), first match wins. */
function classify(message: string): ErrorCode {
  const patterns: [string, ErrorCode][] = [
    ['not in inflight status', 'TXN_NOT_INFLIGHT'],
    ['has already been used', 'TXN_DUPLICATE_REFERENCE'],
    ['insufficient funds', 'TXN_INSUFFICIENT_FUNDS'],
    ['transaction amount must be positive', 'TXN_INVALID_AMOUNT'],
    ['transaction validation failed', 'TXN_VALIDATION_ERROR'],
    ['reference is required', 'TXN_VALIDATION_ERROR'],
    ['failed to acquire lock', 'GEN_RESOURCE_LOCKED'],
    // Kassa's own conditions (ledger/posting-conditions.ts conditionText).
    [', not the expected ', 'TXN_VERSION_MISMATCH'],
    [', below its min ', 'TXN_BALANCE_OUT_OF_BOUNDS'],
    [', above its max ', 'TXN_BALANCE_OUT_OF_BOUNDS'],
  ];
  if (message.includes('transaction') && message.includes('not found')) return 'TXN_NOT_FOUND';
  return patterns.find(([text]) => message.includes(text))?.[1] ?? 'GEN_BAD_REQUEST';
}

/** Blnk's `%.2f` of the amount, computed exactly (a float prints 1e+21 and beyond in exponent form). */
function majorAmount(item: TransactionRequest): string {
  const cents = divideRoundHalfAwayFromZero(item.precise_amount * 100n, effectivePrecision(item.precision)).toString();
  const digits = cents.padStart(3, '0');
  return `${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

/** Blnk's answer to a batch that stopped at `leg`: `{error, batch_id, error_detail}`. */
export function bulkFailure(plan: BulkPlan, leg: BulkLeg, cause: string): ApiError {
  const item = plan.items[leg.item];
  const message =
    `failed to queue transaction ${leg.item + 1} (Reference: ${item.reference}, Source: ${item.source}, ` +
    `Destination: ${item.destination}, Amount: ${majorAmount(item)}): ${cause}. ` +
    (plan.atomic ? ROLLED_BACK : NOT_ROLLED_BACK);
  return new ApiError(classify(message), message, { extra: { batch_id: plan.batch_id }, details: { batch_id: plan.batch_id } });
}

/** The leg a failure of `unit` is about, and its cause; anything but a refusal is rethrown. */
function refusalOf(plan: BulkPlan, unit: number[], error: unknown): { leg: BulkLeg; cause: string } {
  if (error instanceof LegRefusal) return { leg: plan.legs[unit[error.index]], cause: error.error.message };
  const first = plan.legs[unit[0]];
  const translated = translateRecordError(error, first.request.reference);
  if (translated instanceof ApiError) return { leg: first, cause: translated.message };
  throw error;
}

function success(plan: BulkPlan): BulkOutcome {
  return { status: plan.inflight ? 'inflight' : 'applied', transaction_count: plan.items.length };
}

/** Records a failure outcome in a transaction of its own (the failed work rolled back). */
async function recordFailure(db: Database, steward: BatchSteward | undefined, units_done: number, failure: ApiError) {
  if (!steward) return;
  await db.transaction(async (tx) => {
    if (await steward.hold(tx, units_done)) await steward.finish(tx, { status: 'failed', error: failure.message });
  });
}

/** Legs one database transaction applies at most on the skip_queue path (a unit is never cut). */
export const CHUNK_LEGS_MAX = 100;

/** The units from `first` that one transaction takes: at least one, at most `units_max`. */
function chunkEnd(plan: BulkPlan, first: number, units_max: number): number {
  let end = first + 1;
  let legs = plan.units[first].length;
  while (end < plan.units.length && end - first < units_max && legs + plan.units[end].length <= CHUNK_LEGS_MAX) {
    legs += plan.units[end].length;
    end += 1;
  }
  return end;
}

/** The unit of the `index`-th leg of the units from `first`. */
function unitOfLeg(plan: BulkPlan, first: number, index: number): number {
  let u = first;
  for (let seen = plan.units[u].length; seen <= index; seen += plan.units[u].length) u += 1;
  return u;
}

/**
 * skip_queue, from unit `units_done`: consecutive units share a database transaction (up to
 * CHUNK_LEGS_MAX legs), in array order, with the result of applying them one by one. When a unit is
 * refused, the units before it are applied on their own and the batch stops at that unit. An atomic
 * batch is a single unit: one transaction.
 */
async function applyDirect(
  db: Database,
  plan: BulkPlan,
  options: DirectOptions,
  steward: BatchSteward | undefined,
  units_done: number,
): Promise<BulkOutcome> {
  const outcome = success(plan);
  let units_max = Infinity;
  for (let u = units_done; u < plan.units.length;) {
    const end = chunkEnd(plan, u, units_max);
    try {
      await db.transaction(async (tx) => {
        if (steward && !(await steward.hold(tx, u))) throw new BatchLost(plan.batch_id);
        const legs = plan.units
          .slice(u, end)
          .flat()
          .map((leg) => plan.legs[leg]);
        await applyAllOrNothing(
          tx,
          legs.map((leg) => ({ request: leg.request, parent_transaction: plan.batch_id })),
          options,
          splitsOf(plan, legs),
        );
        if (!steward) return;
        await steward.advance(tx, end);
        if (end === plan.units.length) await steward.finish(tx, outcome);
      });
      u = end;
      units_max = Infinity;
    } catch (error) {
      if (error instanceof BatchLost) throw error;
      if (end - u > 1) {
        // Apply what comes before the refused unit (unknown for other errors: one unit at a time).
        units_max = error instanceof LegRefusal ? unitOfLeg(plan, u, error.index) - u : 1;
        if (units_max > 0) continue;
      }
      // The refusal is unit u's: its legs come first in the transaction.
      const { leg, cause } = refusalOf(plan, plan.units[u], error);
      const failure = bulkFailure(plan, leg, cause);
      await recordFailure(db, steward, u, failure);
      throw failure;
    }
  }
  return outcome;
}

class Refused extends Error {
  constructor(readonly failure: ApiError) {
    super(failure.message);
  }
}

/**
 * Queued: resolves every leg and checks every reference, then inserts the QUEUED rows and queue rows
 * of the legs before the first refused unit. Returns that refusal, if any.
 */
async function enqueueBatch(tx: Queryable, plan: BulkPlan): Promise<ApiError | undefined> {
  const repeated = await claimLegReferences(tx, splitsOf(plan, plan.legs));
  const requests = plan.legs.map((leg) => leg.request);
  const resolved = await resolveMany(tx, requests);
  const taken = await existingReferences(
    tx,
    requests.map((request) => request.reference),
  );
  for (const reference of repeated) taken.add(reference);
  const seen = new Set<string>();
  let refused: { leg: BulkLeg; cause: string } | undefined;
  for (const [index, leg] of plan.legs.entries()) {
    const ids = resolved[index];
    const reference = leg.request.reference;
    if (ids instanceof ApiError) refused = { leg, cause: ids.message };
    else if (taken.has(reference) || seen.has(reference)) refused = { leg, cause: duplicateReference(reference).message };
    if (refused) break;
    seen.add(reference);
  }
  const failure = refused && bulkFailure(plan, refused.leg, refused.cause);
  if (failure && plan.atomic) throw new Refused(failure);
  const accepted = refused ? plan.legs.slice(0, plan.units[refused.leg.unit][0]) : plan.legs;
  await enqueueRequests(
    tx,
    // `accepted` is a prefix of the legs: its indexes are theirs.
    accepted.map((leg, index) => {
      const ids = resolved[index] as Map<string, string>;
      const together = plan.atomic || plan.units[leg.unit].length > 1;
      return {
        request: { ...leg.request, source: ids.get(leg.request.source)!, destination: ids.get(leg.request.destination)! },
        transaction_id: newId('txn'),
        parent_transaction: plan.batch_id,
        queued_parent: plan.batch_id,
        atomic_group: together ? (plan.atomic ? plan.batch_id : `${plan.batch_id}_${leg.item + 1}`) : undefined,
      };
    }),
  );
  return failure;
}

async function applyQueued(db: Database, plan: BulkPlan, steward: BatchSteward | undefined): Promise<BulkOutcome> {
  let failure: ApiError | undefined;
  try {
    failure = await db.transaction(async (tx) => {
      if (steward && !(await steward.hold(tx, 0))) throw new BatchLost(plan.batch_id);
      const refused = await enqueueBatch(tx, plan);
      if (steward) {
        await steward.advance(tx, plan.units.length);
        await steward.finish(tx, refused ? { status: 'failed', error: refused.message } : success(plan));
      }
      return refused;
    });
  } catch (error) {
    if (error instanceof BatchLost) throw error;
    if (error instanceof Refused) failure = error.failure;
    else {
      const { leg, cause } = refusalOf(plan, plan.units[0], error);
      failure = bulkFailure(plan, leg, cause);
    }
    await recordFailure(db, steward, 0, failure);
  }
  if (failure) throw failure;
  return success(plan);
}

/**
 * Processes a planned batch from unit `units_done` on. Resolves with the outcome; throws the batch's
 * failure (an ApiError carrying `batch_id`), BatchLost, or an unexpected error (nothing recorded).
 */
export function processBatch(
  db: Database,
  plan: BulkPlan,
  options: DirectOptions,
  steward?: BatchSteward,
  units_done = 0,
): Promise<BulkOutcome> {
  return plan.skip_queue ? applyDirect(db, plan, options, steward, units_done) : applyQueued(db, plan, steward);
}
