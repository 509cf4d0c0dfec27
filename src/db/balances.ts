import type { Queryable } from './database.js';
import { selectFiltered } from './filters.js';
import type { FilterRequest } from '../search/filters.js';

/** A balance as stored; money fields are bigint. */
export interface BalanceRow {
  balance_id: string;
  indicator: string | null;
  currency: string;
  ledger_id: string;
  identity_id: string | null;
  balance: bigint;
  credit_balance: bigint;
  debit_balance: bigint;
  inflight_balance: bigint;
  inflight_credit_balance: bigint;
  inflight_debit_balance: bigint;
  version: number;
  created_at: string;
  meta_data: Record<string, unknown> | null;
  track_fund_lineage: boolean;
  allocation_strategy: string;
}

export const BALANCE_COLUMNS =
  'balance_id, indicator, currency, ledger_id, identity_id, balance, credit_balance, debit_balance, inflight_balance, ' +
  'inflight_credit_balance, inflight_debit_balance, version, created_at, meta_data, track_fund_lineage, allocation_strategy';

const MONEY_FIELDS = [
  'balance',
  'credit_balance',
  'debit_balance',
  'inflight_balance',
  'inflight_credit_balance',
  'inflight_debit_balance',
] as const;

/** Converts a raw row (NUMERIC as text) into a BalanceRow. */
export function toBalanceRow(raw: Record<string, unknown>): BalanceRow {
  const row = { ...raw } as Record<string, unknown>;
  for (const field of MONEY_FIELDS) row[field] = BigInt(raw[field] as string);
  row.version = Number(raw.version);
  return row as unknown as BalanceRow;
}

export interface NewBalance {
  balance_id: string;
  ledger_id: string;
  currency: string;
  indicator: string | null;
  identity_id: string | null;
  meta_data: Record<string, unknown> | null;
  track_fund_lineage: boolean;
  allocation_strategy: string;
}

export async function insertBalance(db: Queryable, balance: NewBalance): Promise<BalanceRow> {
  const rows = await db.query(
    `INSERT INTO balances (balance_id, ledger_id, currency, indicator, identity_id, meta_data, track_fund_lineage, allocation_strategy)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${BALANCE_COLUMNS}`,
    [
      balance.balance_id,
      balance.ledger_id,
      balance.currency,
      balance.indicator,
      balance.identity_id,
      balance.meta_data,
      balance.track_fund_lineage,
      balance.allocation_strategy,
    ],
  );
  return toBalanceRow(rows[0]);
}

export async function findBalance(db: Queryable, balance_id: string): Promise<BalanceRow | undefined> {
  const rows = await db.query(`SELECT ${BALANCE_COLUMNS} FROM balances WHERE balance_id = $1`, [balance_id]);
  return rows[0] && toBalanceRow(rows[0]);
}

export async function findBalanceByIndicator(
  db: Queryable,
  indicator: string,
  currency: string,
): Promise<BalanceRow | undefined> {
  const rows = await db.query(`SELECT ${BALANCE_COLUMNS} FROM balances WHERE indicator = $1 AND currency = $2`, [
    indicator,
    currency,
  ]);
  return rows[0] && toBalanceRow(rows[0]);
}

export async function filterBalances(
  db: Queryable,
  request: FilterRequest,
): Promise<{ rows: BalanceRow[]; total_count?: number }> {
  const { rows, total_count } = await selectFiltered(db, 'balances', BALANCE_COLUMNS, request);
  return { rows: rows.map(toBalanceRow), total_count };
}

export async function setBalanceIdentity(db: Queryable, balance_id: string, identity_id: string): Promise<boolean> {
  const rows = await db.query('UPDATE balances SET identity_id = $2 WHERE balance_id = $1 RETURNING balance_id', [
    balance_id,
    identity_id,
  ]);
  return rows.length > 0;
}

/** Sums of QUEUED request rows not yet given an outcome, per side (blnk-ledger.md §2.2). */
export async function queuedAmounts(
  db: Queryable,
  balance_id: string,
): Promise<{ queued_debit_balance: bigint; queued_credit_balance: bigint }> {
  const rows = await db.query<{ debit: string; credit: string }>(
    `SELECT
       COALESCE(SUM(t.precise_amount) FILTER (WHERE t.source = $1), 0) AS debit,
       COALESCE(SUM(t.precise_amount) FILTER (WHERE t.destination = $1 AND t.source IS DISTINCT FROM $1), 0) AS credit
     FROM transactions t
     WHERE t.status = 'QUEUED' AND (t.source = $1 OR t.destination = $1)
       AND NOT EXISTS (
         SELECT 1 FROM transactions c
         WHERE c.parent_transaction = t.transaction_id AND c.status IN ('APPLIED', 'REJECTED', 'VOID', 'INFLIGHT'))`,
    [balance_id],
  );
  return { queued_debit_balance: BigInt(rows[0].debit), queued_credit_balance: BigInt(rows[0].credit) };
}
