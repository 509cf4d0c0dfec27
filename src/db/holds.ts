// Finding holds and what has been settled of them (blnk-contract.md ledger §4.3-4.4).
import type { Queryable } from './database.js';
import { parentIs, TRANSACTION_COLUMNS, toTransactionRow } from './transactions.js';
import type { TransactionRow } from '../ledger/records.js';

/**
 * Rows reachable from an id the caller may use: the row itself, its children, or its queued group
 * (server-written columns only: nothing a client sets makes a row a member).
 */
function groupMatch(alias = 'transactions'): string {
  return `(${alias}.transaction_id = $1 OR ${parentIs(`${alias}.parent_transaction`, '$1')} OR ${alias}.queued_group = $1)`;
}

/** The INFLIGHT rows (legs) of the group `id` names, in insertion order. */
export async function findHoldLegs(db: Queryable, id: string): Promise<TransactionRow[]> {
  const rows = await db.query(
    `SELECT ${TRANSACTION_COLUMNS} FROM transactions WHERE status = 'INFLIGHT' AND ${groupMatch()} ORDER BY seq`,
    [id],
  );
  return rows.map(toTransactionRow);
}

/** Whether any row answers to `id`. */
export async function groupExists(db: Queryable, id: string): Promise<boolean> {
  const rows = await db.query(`SELECT 1 FROM transactions WHERE ${groupMatch()} LIMIT 1`, [id]);
  return rows.length > 0;
}

/**
 * Queued inflight creates of the group `id` that have no outcome yet: holds that will exist once the
 * worker gets to them.
 */
export async function findPendingHolds(db: Queryable, id: string): Promise<TransactionRow[]> {
  const rows = await db.query(
    `SELECT ${TRANSACTION_COLUMNS} FROM transactions t
     WHERE t.status IN ('QUEUED', 'SCHEDULED') AND t.inflight AND ${groupMatch('t')}
       AND NOT EXISTS (SELECT 1 FROM transactions c WHERE ${parentIs('c.parent_transaction', 't.transaction_id')})
     ORDER BY t.seq`,
    [id],
  );
  return rows.map(toTransactionRow);
}

/**
 * The holds `id` names: its INFLIGHT legs, and its queued creates not applied yet. The pending creates
 * are read first, so that one the worker applies between the two reads is seen as pending or as a
 * leg (or both), never as neither.
 */
export async function findHolds(db: Queryable, id: string): Promise<{ legs: TransactionRow[]; pending: TransactionRow[] }> {
  const pending = await findPendingHolds(db, id);
  const legs = await findHoldLegs(db, id);
  return { legs, pending };
}

export interface SettledAmounts {
  committed: bigint;
  voided: bigint;
  has_void: boolean;
}

/** Σ of APPLIED (commit) and VOID children of each hold. Read it with the hold's balances locked. */
export async function settledAmounts(db: Queryable, hold_ids: readonly string[]): Promise<Map<string, SettledAmounts>> {
  const settled = new Map<string, SettledAmounts>(hold_ids.map((id) => [id, { committed: 0n, voided: 0n, has_void: false }]));
  if (hold_ids.length === 0) return settled;
  const rows = await db.query<{ parent_transaction: string; status: string; total: string }>(
    `SELECT parent_transaction, status, SUM(precise_amount) AS total FROM transactions
     WHERE ${parentIs('parent_transaction', 'ANY($1::text[])')} AND status IN ('APPLIED', 'VOID')
     GROUP BY parent_transaction, status`,
    [hold_ids],
  );
  for (const row of rows) {
    const entry = settled.get(row.parent_transaction)!;
    if (row.status === 'APPLIED') entry.committed = BigInt(row.total);
    else {
      entry.voided = BigInt(row.total);
      entry.has_void = true;
    }
  }
  return settled;
}

/** The precision stored on the first row answering to `id` (§3.4), 1 when none. */
export async function groupPrecision(db: Queryable, id: string): Promise<bigint> {
  const rows = await db.query<{ precision: string }>(
    `SELECT precision FROM transactions WHERE transaction_id = $1 OR ${parentIs('parent_transaction', '$1')} ORDER BY seq LIMIT 1`,
    [id],
  );
  return rows.length > 0 ? BigInt(rows[0].precision) : 1n;
}
