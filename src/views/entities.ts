// Rows -> Blnk's JSON shapes. Money stays bigint here; the reply serializer prints it exactly.
import type { AccountWithIncludes } from '../accounts/accounts.js';
import type { AccountRow } from '../db/accounts.js';
import type { BalanceRow } from '../db/balances.js';
import type { LedgerRow } from '../db/ledgers.js';
import type { IdentityRow } from '../db/identities.js';
import { ZERO_TIME } from '../time.js';

export function ledgerView(row: LedgerRow): Record<string, unknown> {
  return { ledger_id: row.ledger_id, name: row.name, created_at: row.created_at, meta_data: row.meta_data };
}

export function balanceView(row: BalanceRow): Record<string, unknown> {
  const view: Record<string, unknown> = {
    balance: row.balance,
    version: row.version,
    inflight_balance: row.inflight_balance,
    credit_balance: row.credit_balance,
    inflight_credit_balance: row.inflight_credit_balance,
    debit_balance: row.debit_balance,
    inflight_debit_balance: row.inflight_debit_balance,
    currency: row.currency,
    ledger_id: row.ledger_id,
    identity_id: row.identity_id ?? '',
    balance_id: row.balance_id,
  };
  if (row.indicator) view.indicator = row.indicator;
  view.created_at = row.created_at;
  view.inflight_expires_at = ZERO_TIME;
  view.meta_data = row.meta_data;
  view.track_fund_lineage = row.track_fund_lineage;
  view.allocation_strategy = row.allocation_strategy;
  return view;
}

/** `meta_data.tokenized_fields` is Blnk's shape of the server's `tokenized_fields` column. */
export function identityView(row: IdentityRow): Record<string, unknown> {
  const { tokenized_fields, ...identity } = row;
  // a `tokenized_fields` a client merged in through the metadata route is not what the server says
  const { tokenized_fields: _claimed, ...meta } = identity.meta_data ?? {};
  const meta_data =
    tokenized_fields.length > 0
      ? { ...meta, tokenized_fields: Object.fromEntries(tokenized_fields.map((field) => [field, true])) }
      : identity.meta_data && _claimed !== undefined
        ? meta
        : identity.meta_data;
  return { ...identity, dob: row.dob ? `${row.dob}T00:00:00Z` : ZERO_TIME, meta_data };
}

export { transactionView } from './transaction.js';

/** Blnk's account: `ledger`, `balance` and `identity` are null unless included. */
export function accountView(row: AccountRow, included: Omit<AccountWithIncludes, 'account'> = {}): Record<string, unknown> {
  return {
    account_id: row.account_id,
    name: row.name,
    number: row.number,
    bank_name: row.bank_name,
    currency: row.currency,
    balance_id: row.balance_id,
    identity_id: row.identity_id,
    ledger_id: row.ledger_id,
    ledger: included.ledger ? ledgerView(included.ledger) : null,
    balance: included.balance ? balanceView(included.balance) : null,
    identity: included.identity ? identityView(included.identity) : null,
    created_at: row.created_at,
    meta_data: row.meta_data,
  };
}
