// The reads of a dry run (blnk-contract.md ledger §8.4): balances under a share lock held only while the
// preview's database transaction lasts, and indicator lookups that never create a balance.
import { toBalanceState } from './balances.js';
import type { BalanceState } from '../ledger/records.js';
import type { Queryable } from './database.js';

export interface SharedBalance {
  state: BalanceState;
  currency: string;
}

/**
 * Reads balances FOR SHARE, in balance_id order and in one statement (as writers lock), so the
 * preview waits for a writer in progress and sees one consistent moment; it blocks no other reader.
 */
export async function readBalancesShared(db: Queryable, balance_ids: readonly string[]): Promise<Map<string, SharedBalance>> {
  const sorted = [...new Set(balance_ids)].sort();
  if (sorted.length === 0) return new Map();
  const rows = await db.query<Record<string, string>>(
    `SELECT balance_id, currency, balance, credit_balance, debit_balance, inflight_balance, inflight_credit_balance,
       inflight_debit_balance, version
     FROM balances WHERE balance_id = ANY($1::text[]) ORDER BY balance_id FOR SHARE`,
    [sorted],
  );
  return new Map(rows.map((raw) => [raw.balance_id, { currency: raw.currency, state: toBalanceState(raw) }]));
}

/** The balance ids of the `indicators` that exist in `currency`; a missing one is simply absent. */
export async function findIndicatorBalanceIds(
  db: Queryable,
  indicators: readonly string[],
  currency: string,
): Promise<Map<string, string>> {
  const unique = [...new Set(indicators)];
  if (unique.length === 0) return new Map();
  const rows = await db.query<{ indicator: string; balance_id: string }>(
    'SELECT indicator, balance_id FROM balances WHERE indicator = ANY($1::text[]) AND currency = $2',
    [unique, currency],
  );
  return new Map(rows.map((row) => [row.indicator, row.balance_id]));
}

/** Whether a requested commit or void of `target_id` is waiting for the inflight worker. */
export async function requestedActionPending(db: Queryable, target_id: string): Promise<boolean> {
  const rows = await db.query(`SELECT 1 FROM inflight_actions WHERE target_id = $1 AND origin = 'request' LIMIT 1`, [target_id]);
  return rows.length > 0;
}
