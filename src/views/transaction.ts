// A transaction row -> Blnk's Transaction JSON (used by the HTTP replies and by event payloads).
import type { TransactionRow } from '../ledger/records.js';
import { ZERO_TIME } from '../time.js';
import { exactNumber } from '../json.js';
import { toAmountString } from '../ledger/money.js';

/**
 * Every field of Blnk's Transaction, on every read (our deviation: Blnk's single-row reads drop some).
 * `inflight` lives in meta_data in storage as in Blnk; it is shown as the top-level field, from the
 * column the server wrote (a client's meta_data.inflight changes nothing).
 */
export interface TransactionView {
  transaction_id: string;
  status: string;
  [field: string]: unknown;
}

export function transactionView(row: TransactionRow): TransactionView {
  const amount_string = toAmountString(row.precise_amount, row.precision);
  let meta_data = row.meta_data;
  if (meta_data && 'inflight' in meta_data) {
    const { inflight: _moved, ...rest } = meta_data;
    meta_data = rest;
  }
  return {
    transaction_id: row.transaction_id,
    parent_transaction: row.parent_transaction,
    amount: exactNumber(amount_string),
    amount_string,
    precise_amount: row.precise_amount,
    precision: Number(row.precision),
    currency: row.currency,
    source: row.source ?? '',
    destination: row.destination ?? '',
    reference: row.reference,
    description: row.description,
    status: row.status,
    hash: row.hash,
    allow_overdraft: row.allow_overdraft,
    inflight: row.inflight,
    atomic: row.atomic,
    created_at: row.created_at,
    effective_date: row.effective_date ?? row.created_at,
    scheduled_for: row.scheduled_for ?? ZERO_TIME,
    inflight_expiry_date: row.inflight_expiry_date ?? ZERO_TIME,
    inflight_commit_date: row.inflight_commit_date ?? ZERO_TIME,
    meta_data,
  };
}
