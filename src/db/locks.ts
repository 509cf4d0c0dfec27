// Locks: how long a statement may wait for one, the balances' row locks every writer takes in one
// order, and the advisory locks that keep one applier (and one migrator) across processes.
import type { Queryable } from './database.js';
import type { BalanceState } from '../ledger/records.js';
import { toBalanceState } from './balances.js';

/**
 * How long a statement may wait for a row lock before it gives up (SQLSTATE 55P03, which the
 * skip_queue paths answer 423 GEN_RESOURCE_LOCKED). For the rest of the caller's transaction.
 */
export async function setLockTimeout(tx: Queryable, timeout_ms: number): Promise<void> {
  await tx.query(`SET LOCAL lock_timeout = ${Math.max(1, Math.trunc(timeout_ms))}`);
}

/**
 * Locks balances for writing, in balance_id order (every writer locks in this order, so writers never
 * deadlock). NO KEY UPDATE leaves foreign-key checks of concurrent inserts unblocked.
 */
export async function lockBalances(db: Queryable, balance_ids: readonly string[]): Promise<Map<string, BalanceState>> {
  const sorted = [...new Set(balance_ids)].sort();
  if (sorted.length === 0) return new Map();
  const rows = await db.query<Record<string, string>>(
    `SELECT balance_id, balance, credit_balance, debit_balance, inflight_balance, inflight_credit_balance,
       inflight_debit_balance, version
     FROM balances WHERE balance_id = ANY($1::text[]) ORDER BY balance_id FOR NO KEY UPDATE`,
    [sorted],
  );
  return new Map(rows.map((raw) => [raw.balance_id, toBalanceState(raw)]));
}

/** Advisory locks held until the end of the caller's transaction, one key per kind of exclusive work. */
export const ADVISORY_LOCK_KEY = {
  /** One migrator at a time, so two processes starting at once apply each migration once. */
  migration: 7_243_001,
  /** One active applier across all processes sharing the database. */
  applier: 7_243_002,
} as const;

/** Waits for the advisory lock `key`. */
export async function advisoryLock(tx: Queryable, key: number): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [key]);
}

/** Takes the advisory lock `key` when free; false when another transaction holds it. */
export async function tryAdvisoryLock(tx: Queryable, key: number): Promise<boolean> {
  const [row] = await tx.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [key]);
  return row.locked;
}
