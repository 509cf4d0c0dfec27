// Balance snapshots and the balance of a past moment (blnk-contract.md ledger §10).
import type { Database, Queryable } from './database.js';

export interface HistoricalBalance {
  balance_id: string;
  currency: string;
  credit_balance: bigint;
  debit_balance: bigint;
}

/**
 * The settled balance at `at` (RFC 3339): from the latest snapshot taken at or before `at` (or from
 * zero when `from_source` or there is none), plus every APPLIED row whose effective date falls after
 * that start and at or before `at`. One read-only repeatable-read transaction, so both reads see the
 * same state. Undefined when the balance does not exist.
 */
export function balanceAt(
  db: Database,
  balance_id: string,
  at: string,
  from_source: boolean,
): Promise<HistoricalBalance | undefined> {
  return db.transaction(async (tx) => {
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    const balances = await tx.query<{ currency: string }>('SELECT currency FROM balances WHERE balance_id = $1', [balance_id]);
    if (balances.length === 0) return undefined;
    let start: { snapshot_time: string; credit_balance: string; debit_balance: string } | undefined;
    if (!from_source) {
      [start] = await tx.query<{ snapshot_time: string; credit_balance: string; debit_balance: string }>(
        `SELECT snapshot_time, credit_balance, debit_balance FROM balance_snapshots
         WHERE balance_id = $1 AND snapshot_time <= $2::timestamptz
         ORDER BY snapshot_time DESC LIMIT 1`,
        [balance_id, at],
      );
    }
    const [sums] = await tx.query<{ credit: string; debit: string }>(
      `SELECT COALESCE(SUM(precise_amount) FILTER (WHERE destination = $1), 0) AS credit,
              COALESCE(SUM(precise_amount) FILTER (WHERE source = $1), 0) AS debit
       FROM transactions
       WHERE status = 'APPLIED' AND (source = $1 OR destination = $1)
         AND COALESCE(effective_date, created_at) <= $2::timestamptz
         AND ($3::timestamptz IS NULL OR COALESCE(effective_date, created_at) > $3::timestamptz)`,
      [balance_id, at, start?.snapshot_time ?? null],
    );
    return {
      balance_id,
      currency: balances[0].currency,
      credit_balance: BigInt(start?.credit_balance ?? 0) + BigInt(sums.credit),
      debit_balance: BigInt(start?.debit_balance ?? 0) + BigInt(sums.debit),
    };
  });
}

/**
 * Snapshots the balances whose id comes after `after_balance_id` (at most `batch_size` of them),
 * skipping those already snapshotted today (UTC). Returns the last id of the batch, or undefined when
 * there were no more balances.
 */
export async function snapshotBatch(db: Queryable, after_balance_id: string, batch_size: number): Promise<string | undefined> {
  const rows = await db.query<{ last_balance_id: string | null }>(
    `WITH batch AS (
       SELECT balance_id FROM balances WHERE balance_id > $1 ORDER BY balance_id LIMIT $2
     ), inserted AS (
       INSERT INTO balance_snapshots (balance_id, ledger_id, balance, credit_balance, debit_balance, inflight_balance,
         inflight_credit_balance, inflight_debit_balance, currency, snapshot_time, snapshot_day, last_tx_id)
       SELECT b.balance_id, b.ledger_id, b.balance, b.credit_balance, b.debit_balance, b.inflight_balance,
         b.inflight_credit_balance, b.inflight_debit_balance, b.currency, now(), (now() AT TIME ZONE 'UTC')::date,
         COALESCE((SELECT t.transaction_id FROM transactions t WHERE t.seq = GREATEST(
           (SELECT max(s.seq) FROM transactions s WHERE s.source = b.balance_id),
           (SELECT max(d.seq) FROM transactions d WHERE d.destination = b.balance_id))), '')
       FROM balances b JOIN batch USING (balance_id)
       ON CONFLICT (balance_id, snapshot_day) DO NOTHING
     )
     SELECT max(balance_id) AS last_balance_id FROM batch`,
    [after_balance_id, batch_size],
  );
  return rows[0].last_balance_id ?? undefined;
}
