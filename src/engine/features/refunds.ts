// Refunds (blnk-contract.md ledger §8.1): a new transaction in the reverse direction for every settled row
// the id names, reference `<id>_refund`, overdraft allowed, through the normal queued or direct path.
// The unique reference is what makes a second refund of a row impossible, also under races.
import type { Database } from '../../db/database.js';
import { isSqlError, SQLSTATE, type Queryable } from '../../db/database.js';
import { existingReferences } from '../../db/transactions.js';
import type { TransactionRow } from '../../ledger/records.js';
import { findRefundable, findRefunded, REFUND_ONCE_CONSTRAINT } from '../../db/refunds.js';
import { newId } from '../../ids.js';
import { NO_CONDITIONS } from '../../ledger/posting-conditions.js';
import { ApiError } from '../../errors.js';
import { toAmountString } from '../../ledger/money.js';
import type { TransactionRequest } from '../../ledger/transaction-request.js';
import { recordDirect, recordQueued, type DirectOptions } from '../accept/record.js';
import { QUEUED_PARENT_KEY } from '../accept/transaction-rows.js';

export interface RefundOptions {
  skip_queue: boolean;
  /** Replaces the original's description when set. */
  description: string | undefined;
  /** Merged over the original's meta_data (these keys win). */
  meta_data: Record<string, unknown> | null;
}

export const refundReference = (transaction_id: string) => `${transaction_id}_refund`;

/** `<id>_refund`, or `<id>_refund_<random>` when a client's own row holds that reference. */
function refundReferenceFor(transaction_id: string, held_by_client: boolean): string {
  const reference = refundReference(transaction_id);
  return held_by_client ? `${reference}_${newId('ref')}` : reference;
}

/** The rows `id` names and those of them not refunded yet (404 when it names none). */
export async function refundTargets(
  db: Queryable,
  id: string,
): Promise<{ originals: TransactionRow[]; pending: TransactionRow[] }> {
  const originals = await findRefundable(db, id);
  if (originals.length === 0) throw new ApiError('TXN_NOT_FOUND', 'no transaction to refund');
  const refunded = await findRefunded(
    db,
    originals.map((row) => row.transaction_id),
  );
  return { originals, pending: originals.filter((row) => !refunded.has(row.transaction_id)) };
}

const isRefundOnceViolation = (error: unknown) =>
  isSqlError(error, SQLSTATE.uniqueViolation) && error.constraint === REFUND_ONCE_CONSTRAINT;

export const alreadyRefunded = (transaction_id: string) =>
  new ApiError('GEN_CONFLICT', `transaction ${transaction_id} has already been refunded`);

/** The refund of `original` as a new transaction request (also what a dry run projects). */
export function refundRequest(original: TransactionRow, options: RefundOptions): TransactionRequest {
  // The refund is a transaction of its own: it does not belong to the original's queued group.
  const { [QUEUED_PARENT_KEY]: _group, inflight: _hold, ...kept } = original.meta_data ?? {};
  const meta_data = original.meta_data === null && options.meta_data === null ? null : { ...kept, ...options.meta_data };
  return {
    conditions: NO_CONDITIONS,
    amount: 0,
    precise_amount: original.precise_amount,
    precision: original.precision,
    amount_string: toAmountString(original.precise_amount, original.precision),
    overdraft_limit: 0,
    overdraft_limit_precise: 0n,
    currency: original.currency,
    reference: refundReference(original.transaction_id),
    description: options.description ?? original.description,
    source: original.destination!,
    destination: original.source!,
    sources: null,
    destinations: null,
    allow_overdraft: true,
    inflight: false,
    skip_queue: options.skip_queue,
    atomic: false,
    dry_run: false,
    scheduled_for: null,
    inflight_expiry_date: null,
    inflight_commit_date: null,
    effective_date: null,
    meta_data,
  };
}

/** Refunds every settled row `id` names that is not refunded yet; returns the first refund. */
export async function refund(db: Database, id: string, options: RefundOptions, direct: DirectOptions): Promise<TransactionRow> {
  const { originals, pending } = await refundTargets(db, id);
  if (pending.length === 0) throw alreadyRefunded(originals[0].transaction_id);
  const taken = await existingReferences(
    db,
    pending.map((row) => refundReference(row.transaction_id)),
  );
  const refunds: TransactionRow[] = [];
  for (const original of pending) {
    const request = refundRequest(original, options);
    const parent = { parent_transaction: original.transaction_id };
    const record = (reference: string) => {
      const named = { ...request, reference };
      return options.skip_queue ? recordDirect(db, named, direct, parent) : recordQueued(db, named, parent);
    };
    try {
      refunds.push(
        await record(refundReferenceFor(original.transaction_id, taken.has(refundReference(original.transaction_id)))),
      );
    } catch (error) {
      // A concurrent refund of the same row was recorded first.
      if (isRefundOnceViolation(error)) continue;
      if (!(error instanceof ApiError && error.code === 'TXN_DUPLICATE_REFERENCE')) throw error;
      // A client took `<id>_refund` meanwhile: the refund takes a reference of its own.
      try {
        refunds.push(await record(refundReferenceFor(original.transaction_id, true)));
      } catch (retryError) {
        if (!isRefundOnceViolation(retryError)) throw retryError;
      }
    }
  }
  if (refunds.length === 0) throw alreadyRefunded(pending[0].transaction_id);
  return refunds[0];
}
