// Building transaction rows from a validated request, with the system keys Blnk writes into
// meta_data (blnk-contract.md ledger §2.6).
import { createHash } from 'node:crypto';
import type { NewTransaction, TransactionRow, TransactionStatus } from '../../ledger/records.js';
import { hashInput, type TransactionRequest } from '../../ledger/transaction-request.js';

export const QUEUED_PARENT_KEY = 'QUEUED_PARENT_TRANSACTION';
export const REJECTION_REASON_KEY = 'blnk_rejection_reason';
export const OUTCOME_REFERENCE_SUFFIX = '_q';

export function transactionHash(row: Parameters<typeof hashInput>[0]): string {
  return createHash('sha256').update(hashInput(row)).digest('hex');
}

/** User meta_data plus the flags Blnk persists there. */
function metaWithFlags(request: TransactionRequest, extra: Record<string, unknown>): Record<string, unknown> | null {
  const meta: Record<string, unknown> = { ...request.meta_data };
  if (request.inflight) meta.inflight = true;
  if (request.allow_overdraft) meta.allow_overdraft = true;
  if (request.atomic) meta.atomic = true;
  Object.assign(meta, extra);
  return Object.keys(meta).length > 0 || request.meta_data ? meta : null;
}

export interface RowIdentity {
  transaction_id: string;
  status: TransactionStatus;
  source: string;
  destination: string;
  parent_transaction?: string;
  /** Queued request rows name themselves as the parent their outcome belongs to. */
  queued?: boolean;
  /** The id the caller got back, when it is not the row's own (split parent, bulk batch). */
  queued_parent?: string;
}

export function requestRow(request: TransactionRequest, identity: RowIdentity): NewTransaction {
  const extra: Record<string, unknown> = identity.queued
    ? { [QUEUED_PARENT_KEY]: identity.queued_parent ?? identity.transaction_id }
    : {};
  return {
    transaction_id: identity.transaction_id,
    parent_transaction: identity.parent_transaction ?? '',
    source: identity.source,
    destination: identity.destination,
    reference: request.reference,
    amount: request.amount_string,
    precise_amount: request.precise_amount,
    precision: request.precision,
    currency: request.currency,
    description: request.description,
    status: identity.status,
    hash: transactionHash(request),
    allow_overdraft: request.allow_overdraft,
    inflight: request.inflight,
    atomic: request.atomic,
    scheduled_for: identity.queued ? request.scheduled_for : null,
    effective_date: request.effective_date,
    inflight_expiry_date: request.inflight_expiry_date,
    inflight_commit_date: request.inflight_commit_date,
    meta_data: metaWithFlags(request, extra),
    queued_group: identity.queued ? (identity.queued_parent ?? identity.transaction_id) : null,
  };
}

/**
 * The outcome row of a queued request: a new id, reference `<ref>_q`, parent = the request row.
 * `inflight` leaves meta_data unless the outcome is INFLIGHT; a rejection records its reason.
 */
export function outcomeRow(
  request: TransactionRow,
  outcome: { transaction_id: string; reference: string; status: 'APPLIED' | 'INFLIGHT' | 'REJECTED'; reason?: string },
): NewTransaction {
  const meta: Record<string, unknown> = { ...request.meta_data };
  if (outcome.status !== 'INFLIGHT') delete meta.inflight;
  if (outcome.reason !== undefined) meta[REJECTION_REASON_KEY] = outcome.reason;
  return {
    transaction_id: outcome.transaction_id,
    parent_transaction: request.transaction_id,
    source: request.source,
    destination: request.destination,
    reference: outcome.reference,
    amount: request.amount,
    precise_amount: request.precise_amount,
    precision: request.precision,
    currency: request.currency,
    description: request.description,
    status: outcome.status,
    hash: transactionHash({
      amount_string: request.amount,
      reference: outcome.reference,
      currency: request.currency,
      source: request.source ?? '',
      destination: request.destination ?? '',
    }),
    allow_overdraft: request.allow_overdraft,
    inflight: outcome.status === 'INFLIGHT',
    atomic: request.atomic,
    scheduled_for: request.scheduled_for,
    effective_date: request.effective_date,
    inflight_expiry_date: request.inflight_expiry_date,
    inflight_commit_date: request.inflight_commit_date,
    meta_data: Object.keys(meta).length > 0 ? meta : request.meta_data && {},
    queued_group: request.queued_group,
  };
}
