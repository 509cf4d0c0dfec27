// Split transactions (blnk-contract.md ledger §6): one request with `sources[]` or `destinations[]` becomes one
// leg per non-zero share, paired with the entries in array order and numbered in that order
// (`<ref>-<n>` with skip_queue, `<ref>_<n>` queued). The parent id is never a row: it is the legs'
// parent_transaction (and QUEUED_PARENT_TRANSACTION). `atomic` legs are all-or-nothing in one
// database transaction on both paths.
import type { Database, Queryable } from '../../db/database.js';
import { existingReferences } from '../../db/transactions.js';
import type { TransactionRow } from '../../ledger/records.js';
import { ApiError } from '../../errors.js';
import { newId } from '../../ids.js';
import { splitAmount, splitError } from '../../ledger/distributions.js';
import { toAmountString } from '../../ledger/money.js';
import { hasConditions } from '../../ledger/posting-conditions.js';
import { DIRECT_REFUSALS, requestLegs } from '../../ledger/apply-units.js';
import { postUnits } from '../accept/pipeline.js';
import type { Distribution, TransactionRequest } from '../../ledger/transaction-request.js';
import { transactionView, type TransactionView } from '../../views/transaction.js';
import { insertDirectRows } from '../accept/write-applied.js';
import { claimLegReferences, type SplitLegs } from '../accept/leg-references.js';
import { duplicateReference, enqueueRequests, translateRecordError, type DirectOptions } from '../accept/record.js';
import { resolveIdentifiers, resolveMany } from '../accept/resolve-balances.js';
import { requestRow } from '../accept/transaction-rows.js';
import { setLockTimeout } from '../../db/locks.js';

export interface SplitLeg {
  /** The `sources`/`destinations` entry this leg pays or is paid by. */
  entry_index: number;
  request: TransactionRequest;
}

export function isSplit(request: TransactionRequest): boolean {
  return request.sources !== null || request.destinations !== null;
}

/** The legs of a split request, in array order; `separator` is `-` (skip_queue) or `_` (queued). */
export function planSplit(request: TransactionRequest, separator: '-' | '_'): SplitLeg[] {
  if (request.sources && request.destinations) throw splitError('use either sources or destinations, not both');
  const side = request.sources ? 'source' : 'destination';
  const entries = (request.sources ?? request.destinations)!;
  const legs: SplitLeg[] = [];
  splitAmount(request.precise_amount, request.precision, entries).forEach((share, entry_index) => {
    if (share.precise_amount === 0n) return;
    const amount_string = toAmountString(share.precise_amount, request.precision);
    legs.push({
      entry_index,
      request: {
        ...request,
        sources: null,
        destinations: null,
        [side]: share.identifier,
        precise_amount: share.precise_amount,
        amount: 0,
        amount_string,
        reference: `${request.reference}${separator}${legs.length + 1}`,
      },
    });
  });
  return legs;
}

/** The split's answer: the parent (never stored) with each entry carrying its leg's id. */
export function splitParentView(
  request: TransactionRequest,
  parent_id: string,
  legs: readonly SplitLeg[],
  rows: readonly TransactionRow[],
  status: TransactionRow['status'],
): TransactionView {
  const first = rows[0];
  const parent = requestRow(request, {
    transaction_id: parent_id,
    status,
    source: request.sources ? '' : (first?.source ?? request.source),
    destination: request.destinations ? '' : (first?.destination ?? request.destination),
    queued: status === 'QUEUED' || status === 'SCHEDULED',
  });
  const view = transactionView({ ...parent, seq: '0', created_at: first?.created_at ?? new Date().toISOString() });
  if (request.amount !== 0) view.amount = request.amount;
  const legIds = new Map(legs.map((leg, i) => [leg.entry_index, rows[i]?.transaction_id ?? '']));
  const withIds = (entries: Distribution[]) => entries.map((entry, i) => ({ ...entry, transaction_id: legIds.get(i) ?? '' }));
  if (request.sources) view.sources = withIds(request.sources);
  if (request.destinations) view.destinations = withIds(request.destinations);
  return view;
}

/** The refusal of one of the requests given to applyAllOrNothing; `index` names which. */
export class LegRefusal extends Error {
  constructor(
    readonly index: number,
    readonly error: ApiError,
  ) {
    super(error.message);
  }
}

/**
 * Applies `requests` inside `tx`, all or nothing: a refusal throws a LegRefusal naming the request
 * (and the caller's transaction rolls back). For atomic splits and bulk batches with skip_queue.
 */
export async function applyAllOrNothing(
  tx: Queryable,
  requests: readonly { request: TransactionRequest; parent_transaction: string }[],
  options: DirectOptions,
  splits: readonly SplitLegs[] = [],
): Promise<TransactionRow[]> {
  await setLockTimeout(tx, options.lock_wait_timeout_ms);
  const resolved = await resolveMany(
    tx,
    requests.map(({ request }) => request),
  );
  const legs = requests.map(({ request, parent_transaction }, index) => {
    const ids = resolved[index];
    if (ids instanceof ApiError) throw new LegRefusal(index, ids);
    return { request, parent_transaction, source: ids.get(request.source)!, destination: ids.get(request.destination)! };
  });
  const taken = await existingReferences(
    tx,
    legs.map((leg) => leg.request.reference),
  );
  for (const reference of await claimLegReferences(tx, splits)) taken.add(reference);
  // Every leg's reference before any lock or funds check, as the batch has always answered.
  const seen = new Set<string>();
  legs.forEach(({ request }, index) => {
    if (taken.has(request.reference) || seen.has(request.reference)) {
      throw new LegRefusal(index, duplicateReference(request.reference));
    }
    seen.add(request.reference);
  });
  // One unit: every leg or none, each leg's reference checked before its funds.
  const [outcome] = (
    await postUnits(
      tx,
      [requestLegs(legs.map((leg) => ({ ...leg, reference: leg.request.reference })))],
      { check_first: 'references', refusals: DIRECT_REFUSALS, taken },
      options,
    )
  ).outcomes;
  if (!outcome.applied) throw new LegRefusal(outcome.leg, outcome.refusal);
  return insertDirectRows(
    tx,
    legs.map(({ request, parent_transaction, source, destination }) =>
      requestRow(request, {
        transaction_id: newId('txn'),
        status: request.inflight ? 'INFLIGHT' : 'APPLIED',
        source,
        destination,
        parent_transaction,
      }),
    ),
  );
}

/** Runs `work` in one database transaction, answering database refusals as Blnk does. */
export async function directTransaction<T>(db: Database, reference: string, work: (tx: Queryable) => Promise<T>): Promise<T> {
  try {
    return await db.transaction(work);
  } catch (error) {
    if (error instanceof LegRefusal) throw error.error;
    throw translateRecordError(error, reference);
  }
}

/**
 * skip_queue split. Atomic: every leg or none. Otherwise each leg commits on its own and a failing
 * leg leaves the earlier ones applied (as in Blnk); the error of the failing leg is the answer.
 */
export async function recordDirectSplit(
  db: Database,
  request: TransactionRequest,
  options: DirectOptions,
): Promise<TransactionView> {
  const legs = planSplit(request, '-');
  const parent_transaction = newId('txn');
  const items = legs.map((leg) => ({ request: leg.request, parent_transaction }));
  const splits = [{ reference: request.reference, transaction_id: parent_transaction, legs: legs.map((leg) => leg.request) }];
  let rows: TransactionRow[];
  // Conditions cover the whole split: one that carries them applies all its legs or none.
  if (request.atomic || hasConditions(request.conditions)) {
    rows = await directTransaction(db, request.reference, (tx) => applyAllOrNothing(tx, items, options, splits));
  } else {
    // Every leg in one database transaction, with the result of applying them one by one: when a
    // leg is refused, the legs before it commit on their own and that leg's refusal is the answer.
    rows = [];
    try {
      rows = await db.transaction((tx) => applyAllOrNothing(tx, items, options, splits));
    } catch (error) {
      const applicable = error instanceof LegRefusal ? error.index : 0;
      if (applicable > 0) {
        const before = items.slice(0, applicable);
        rows = await directTransaction(db, request.reference, (tx) => applyAllOrNothing(tx, before, options, splits));
      }
      // The next leg alone: its own refusal (or, after a transient failure, its application).
      for (const item of items.slice(applicable)) {
        rows.push(
          ...(await directTransaction(db, item.request.reference, (tx) => applyAllOrNothing(tx, [item], options, splits))),
        );
      }
    }
  }
  return splitParentView(request, parent_transaction, legs, rows, request.inflight ? 'INFLIGHT' : 'APPLIED');
}

/**
 * Queued split: every leg's QUEUED row and queue row in one database transaction; each leg then gets
 * its own outcome `<ref>_<n>_q`. The legs of an atomic split form one atomic group: the worker
 * applies them all or none (every leg REJECTED when one cannot apply).
 */
export async function recordQueuedSplit(db: Database, request: TransactionRequest): Promise<TransactionView> {
  const legs = planSplit(request, '_');
  const parent_transaction = newId('txn');
  const rows = await directTransaction(db, request.reference, async (tx) => {
    const split = { reference: request.reference, transaction_id: parent_transaction, legs: legs.map((leg) => leg.request) };
    if ((await claimLegReferences(tx, [split])).size > 0) throw duplicateReference(legs[0].request.reference);
    const identifiers = legs.flatMap((leg) => [leg.request.source, leg.request.destination]);
    const ids = await resolveIdentifiers(tx, identifiers, request.currency);
    return enqueueRequests(
      tx,
      legs.map((leg) => ({
        request: { ...leg.request, source: ids.get(leg.request.source)!, destination: ids.get(leg.request.destination)! },
        transaction_id: newId('txn'),
        parent_transaction,
        queued_parent: parent_transaction,
        atomic_group: request.atomic || hasConditions(request.conditions) ? parent_transaction : undefined,
      })),
    );
  });
  const view = splitParentView(request, parent_transaction, legs, rows, rows[0]?.status ?? 'QUEUED');
  view.source = request.source;
  view.destination = request.destination;
  return view;
}
