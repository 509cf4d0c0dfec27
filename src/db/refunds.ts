// Which settled rows a refund of an id reverses (blnk-contract.md ledger §8.1).
import type { Queryable } from './database.js';
import { parentIs, TRANSACTION_COLUMNS, toTransactionRow } from './transactions.js';
import type { TransactionRow } from '../ledger/records.js';

/**
 * Whether a row is a refund: a child whose reference starts with `<parent>_refund`. Only the server
 * writes parent_transaction, so no client row matches (the unique index transactions_refund_once
 * holds the same predicate: one refund per row).
 */
const IS_REFUND = `(parent_transaction <> '' AND starts_with(reference, parent_transaction || '_refund'))`;
export const REFUND_ONCE_CONSTRAINT = 'transactions_refund_once';

/**
 * APPLIED rows that `id` names: the row itself, its children, and the outcome rows of the queued
 * group it returned. Refunds of those children are not themselves refunded again.
 */
export async function findRefundable(db: Queryable, id: string): Promise<TransactionRow[]> {
  const rows = await db.query(
    `SELECT ${TRANSACTION_COLUMNS} FROM transactions
     WHERE status = 'APPLIED'
       AND (transaction_id = $1
         OR ((${parentIs('parent_transaction', '$1')} OR queued_group = $1) AND NOT ${IS_REFUND}))
     ORDER BY seq`,
    [id],
  );
  return rows.map(toTransactionRow);
}

/** Which of `ids` have been refunded: a fact the server recorded, never a reference a client chose. */
export async function findRefunded(db: Queryable, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.query<{ parent_transaction: string }>(
    `SELECT parent_transaction FROM transactions
     WHERE ${parentIs('parent_transaction', 'ANY($1::text[])')} AND ${IS_REFUND}`,
    [ids],
  );
  return new Set(rows.map((row) => row.parent_transaction));
}
