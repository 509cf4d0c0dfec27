import type { Queryable } from './database.js';
import { selectFiltered } from './filters.js';
import { parentIs } from './transactions.js';
import type { FilterRequest } from '../filters/language.js';
import type { BalanceState } from '../ledger/records.js';

/** A balance as stored; money fields are bigint. */
export interface BalanceRow extends BalanceState {
  indicator: string | null;
  currency: string;
  ledger_id: string;
  identity_id: string | null;
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

/** Sums of QUEUED request rows not yet given an outcome, per side (blnk-contract.md ledger §2.2). */
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
         WHERE ${parentIs('c.parent_transaction', 't.transaction_id')} AND c.status IN ('APPLIED', 'REJECTED', 'VOID', 'INFLIGHT'))`,
    [balance_id],
  );
  return { queued_debit_balance: BigInt(rows[0].debit), queued_credit_balance: BigInt(rows[0].credit) };
}

/** Queued debits (as `queuedAmounts`) of several source balances in one statement; absent = none. */
export async function queuedDebits(db: Queryable, balance_ids: readonly string[]): Promise<Map<string, bigint>> {
  const ids = [...new Set(balance_ids)];
  if (ids.length === 0) return new Map();
  const rows = await db.query<{ balance_id: string; debit: string }>(
    `SELECT t.source AS balance_id, SUM(t.precise_amount) AS debit
     FROM transactions t
     WHERE t.status = 'QUEUED' AND t.source = ANY($1::text[])
       AND NOT EXISTS (
         SELECT 1 FROM transactions c
         WHERE ${parentIs('c.parent_transaction', 't.transaction_id')} AND c.status IN ('APPLIED', 'REJECTED', 'VOID', 'INFLIGHT'))
     GROUP BY t.source`,
    [ids],
  );
  return new Map(rows.map((row) => [row.balance_id, BigInt(row.debit)]));
}

/** The currency of each of `balance_ids` that exists. */
export async function balanceCurrencies(db: Queryable, balance_ids: readonly string[]): Promise<Map<string, string>> {
  if (balance_ids.length === 0) return new Map();
  const rows = await db.query<{ balance_id: string; currency: string }>(
    'SELECT balance_id, currency FROM balances WHERE balance_id = ANY($1::text[])',
    [balance_ids],
  );
  return new Map(rows.map((row) => [row.balance_id, row.currency]));
}

/**
 * The balance ids of `indicators` in `currency`, creating the missing ones in `ledger_id`. Concurrent
 * creators meet on the (indicator, currency) unique constraint: the loser inserts nothing and reads.
 * Indicators are created in sorted order, so two creators never wait on each other in a cycle.
 */
export async function ensureIndicatorBalances(
  db: Queryable,
  indicators: readonly string[],
  currency: string,
  ledger_id: string,
  newBalanceId: () => string,
): Promise<Map<string, string>> {
  const sorted = [...new Set(indicators)].sort();
  if (sorted.length === 0) return new Map();
  const read = async () =>
    db.query<{ indicator: string; balance_id: string }>(
      'SELECT indicator, balance_id FROM balances WHERE indicator = ANY($1::text[]) AND currency = $2',
      [sorted, currency],
    );
  const found = new Map((await read()).map((row) => [row.indicator, row.balance_id]));
  const missing = sorted.filter((indicator) => !found.has(indicator));
  if (missing.length === 0) return found;
  const created = await db.query<{ indicator: string; balance_id: string }>(
    `INSERT INTO balances (balance_id, ledger_id, currency, indicator)
     SELECT u.balance_id, $3, $4, u.indicator
     FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(indicator, balance_id, ord)
     ORDER BY u.ord
     ON CONFLICT (indicator, currency) DO NOTHING
     RETURNING indicator, balance_id`,
    [missing, missing.map(() => newBalanceId()), ledger_id, currency],
  );
  for (const row of created) found.set(row.indicator, row.balance_id);
  // A concurrent creator won some of them: read those.
  return created.length === missing.length ? found : new Map((await read()).map((row) => [row.indicator, row.balance_id]));
}

export function toBalanceState(raw: Record<string, string>): BalanceState {
  return {
    balance_id: raw.balance_id,
    balance: BigInt(raw.balance),
    credit_balance: BigInt(raw.credit_balance),
    debit_balance: BigInt(raw.debit_balance),
    inflight_balance: BigInt(raw.inflight_balance),
    inflight_credit_balance: BigInt(raw.inflight_credit_balance),
    inflight_debit_balance: BigInt(raw.inflight_debit_balance),
    version: Number(raw.version),
  };
}

/**
 * The double-entry invariants of one balance, checked before any state is written: a violation is a
 * bug in the posting path, and the transaction that carries it must roll back rather than commit.
 */
export function assertBalanceInvariants(state: BalanceState): void {
  if (state.balance !== state.credit_balance - state.debit_balance) {
    throw new Error(`invariant broken on ${state.balance_id}: balance != credit_balance - debit_balance`);
  }
  if (state.inflight_balance !== state.inflight_credit_balance - state.inflight_debit_balance) {
    throw new Error(`invariant broken on ${state.balance_id}: inflight_balance != inflight_credit - inflight_debit`);
  }
}

/** Writes the states of balances locked by `lockBalances`, in one statement. */
export async function writeBalances(db: Queryable, states: readonly BalanceState[]): Promise<void> {
  if (states.length === 0) return;
  for (const state of states) assertBalanceInvariants(state);
  const column = <K extends keyof BalanceState>(key: K) => states.map((state) => state[key]);
  await db.query(
    `UPDATE balances b SET balance = u.balance, credit_balance = u.credit_balance, debit_balance = u.debit_balance,
       inflight_balance = u.inflight_balance, inflight_credit_balance = u.inflight_credit_balance,
       inflight_debit_balance = u.inflight_debit_balance, version = u.version
     FROM unnest($1::text[], $2::numeric[], $3::numeric[], $4::numeric[], $5::numeric[], $6::numeric[],
       $7::numeric[], $8::bigint[])
       AS u(balance_id, balance, credit_balance, debit_balance, inflight_balance, inflight_credit_balance,
       inflight_debit_balance, version)
     WHERE b.balance_id = u.balance_id`,
    [
      column('balance_id'),
      column('balance'),
      column('credit_balance'),
      column('debit_balance'),
      column('inflight_balance'),
      column('inflight_credit_balance'),
      column('inflight_debit_balance'),
      column('version'),
    ],
  );
}
