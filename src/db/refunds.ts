// Which settled rows a refund of an id reverses (blnk-ledger.md §8.1).
import type { Queryable } from './database.js';
import { parentIs, TRANSACTION_COLUMNS, toTransactionRow, type TransactionRow } from './transactions.js';

/**
 * APPLIED rows that `id` names: the row itself, its children, and the outcome rows of the queued
 * group it returned. Refunds of those children are not themselves refunded again.
 */
export async function findRefundable(db: Queryable, id: string): Promise<TransactionRow[]> {
  const rows = await db.query(
    `SELECT ${TRANSACTION_COLUMNS} FROM transactions
     WHERE status = 'APPLIED'
       AND (transaction_id = $1
         OR ((${parentIs('parent_transaction', '$1')} OR meta_data ->> 'QUEUED_PARENT_TRANSACTION' = $1)
             AND reference <> parent_transaction || '_refund'))
     ORDER BY seq`,
    [id],
  );
  return rows.map(toTransactionRow);
}
