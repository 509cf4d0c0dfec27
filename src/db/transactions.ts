import type { Queryable } from './database.js';
import { stringifyJson } from '../json.js';
import { selectFiltered } from './filters.js';
import type { FilterRequest } from '../filters/language.js';
import type { NewTransaction, TransactionRow } from '../ledger/records.js';

/**
 * `<column> = <value>` on a parent_transaction column, repeating the predicate of the partial index
 * `transactions_parent_idx` (parent_transaction <> '') so that any plan may use it, including plans
 * not made for one value and the join of a NOT EXISTS. Children never have an empty parent.
 */
export function parentIs(column: string, value: string): string {
  return `(${column} = ${value} AND ${column} <> '')`;
}

export const TRANSACTION_COLUMNS =
  'seq, transaction_id, parent_transaction, source, destination, reference, amount, precise_amount, precision, ' +
  'currency, description, status, hash, allow_overdraft, inflight, atomic, created_at, scheduled_for, ' +
  'effective_date, inflight_expiry_date, inflight_commit_date, meta_data, queued_group';

export function toTransactionRow(raw: Record<string, unknown>): TransactionRow {
  return {
    ...(raw as unknown as TransactionRow),
    precise_amount: BigInt(raw.precise_amount as string),
    precision: BigInt(raw.precision as string),
  };
}

/** Inserts rows with one statement (unnest); returns them in input order. */
export async function insertTransactions(db: Queryable, rows: readonly NewTransaction[]): Promise<TransactionRow[]> {
  const byId = new Map((await insertRows(db, rows, '')).map((row) => [row.transaction_id, row]));
  return rows.map((row) => byId.get(row.transaction_id)!);
}

/** Like insertTransactions, but a row whose reference is taken is left out (no error); returns the stored ones. */
export function insertTransactionsSkippingTakenReferences(
  db: Queryable,
  rows: readonly NewTransaction[],
): Promise<TransactionRow[]> {
  return insertRows(db, rows, 'ON CONFLICT (reference) DO NOTHING');
}

async function insertRows(db: Queryable, rows: readonly NewTransaction[], onConflict: string): Promise<TransactionRow[]> {
  if (rows.length === 0) return [];
  const column = <K extends keyof NewTransaction>(key: K) => rows.map((row) => row[key]);
  const inserted = await db.query(
    `INSERT INTO transactions (transaction_id, parent_transaction, source, destination, reference, amount,
       precise_amount, precision, currency, description, status, hash, allow_overdraft, inflight, atomic,
       scheduled_for, effective_date, inflight_expiry_date, inflight_commit_date, meta_data, queued_group)
     SELECT u.transaction_id, u.parent_transaction, u.source, u.destination, u.reference, u.amount,
       u.precise_amount, u.precision, u.currency, u.description, u.status, u.hash, u.allow_overdraft, u.inflight,
       u.atomic, u.scheduled_for, COALESCE(u.effective_date, now()), u.inflight_expiry_date,
       u.inflight_commit_date, u.meta_data, u.queued_group
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::numeric[], $7::numeric[],
       $8::bigint[], $9::text[], $10::text[], $11::text[], $12::text[], $13::boolean[], $14::boolean[],
       $15::boolean[], $16::timestamptz[], $17::timestamptz[], $18::timestamptz[], $19::timestamptz[], $20::jsonb[],
       $21::text[])
       WITH ORDINALITY AS u(transaction_id, parent_transaction, source, destination, reference, amount,
       precise_amount, precision, currency, description, status, hash, allow_overdraft, inflight, atomic,
       scheduled_for, effective_date, inflight_expiry_date, inflight_commit_date, meta_data, queued_group, ord)
     ORDER BY u.ord
     ${onConflict}
     RETURNING ${TRANSACTION_COLUMNS}`,
    [
      column('transaction_id'),
      column('parent_transaction'),
      column('source'),
      column('destination'),
      column('reference'),
      column('amount'),
      column('precise_amount'),
      column('precision'),
      column('currency'),
      column('description'),
      column('status'),
      column('hash'),
      column('allow_overdraft'),
      column('inflight'),
      column('atomic'),
      column('scheduled_for'),
      column('effective_date'),
      column('inflight_expiry_date'),
      column('inflight_commit_date'),
      rows.map((row) => (row.meta_data === null ? null : stringifyJson(row.meta_data))),
      column('queued_group'),
    ],
  );
  return inserted.map(toTransactionRow);
}

export async function findTransaction(db: Queryable, transaction_id: string): Promise<TransactionRow | undefined> {
  const rows = await db.query(`SELECT ${TRANSACTION_COLUMNS} FROM transactions WHERE transaction_id = $1`, [transaction_id]);
  return rows[0] && toTransactionRow(rows[0]);
}

export async function findTransactionByReference(db: Queryable, reference: string): Promise<TransactionRow | undefined> {
  const rows = await db.query(`SELECT ${TRANSACTION_COLUMNS} FROM transactions WHERE reference = $1`, [reference]);
  return rows[0] && toTransactionRow(rows[0]);
}

export async function findTransactionsByIds(db: Queryable, ids: readonly string[]): Promise<TransactionRow[]> {
  if (ids.length === 0) return [];
  const rows = await db.query(`SELECT ${TRANSACTION_COLUMNS} FROM transactions WHERE transaction_id = ANY($1::text[])`, [ids]);
  return rows.map(toTransactionRow);
}

/** Which of `references` are already taken. */
export async function existingReferences(db: Queryable, references: readonly string[]): Promise<Set<string>> {
  if (references.length === 0) return new Set();
  const rows = await db.query<{ reference: string }>('SELECT reference FROM transactions WHERE reference = ANY($1::text[])', [
    references,
  ]);
  return new Set(rows.map((row) => row.reference));
}

/** A filtered, sorted page of rows (blnk-contract.md platform §8); `GET /transactions` is this with no conditions. */
export async function filterTransactions(
  db: Queryable,
  request: FilterRequest,
): Promise<{ rows: TransactionRow[]; total_count?: number }> {
  const { rows, total_count } = await selectFiltered(db, 'transactions', TRANSACTION_COLUMNS, request);
  return { rows: rows.map(toTransactionRow), total_count };
}
