// The ledger's invariants, checked on the whole database after a run. Any violation fails the run.
//  - per currency, the sum of all balances is zero (double entry);
//  - every balance has balance = credit - debit and inflight = inflight credit - inflight debit;
//  - every accepted queued row (QUEUED/SCHEDULED, reference R) has exactly one outcome row
//    (parent = that row, reference R_q..., status APPLIED/INFLIGHT/REJECTED);
//  - every reference the generator saw accepted (2xx) exists in the database.
import type { Database, Queryable } from '../src/db/database.js';
import { applyDueBatch } from '../src/engine/workers/applier.js';

export interface InvariantReport {
  balances: number;
  transactions: number;
  queued_requests: number;
  outcomes: Record<string, number>;
  violations: string[];
}

const OUTCOME_STATUSES = "('APPLIED', 'INFLIGHT', 'REJECTED')";

export async function checkInvariants(db: Queryable, accepted_references: readonly string[]): Promise<InvariantReport> {
  const violations: string[] = [];
  const sums = await db.query<{ currency: string; total: string; inflight_total: string }>(
    `SELECT currency, sum(balance)::text AS total, sum(inflight_balance)::text AS inflight_total
     FROM balances GROUP BY currency`,
  );
  for (const row of sums) {
    if (BigInt(row.total) !== 0n) violations.push(`sum of ${row.currency} balances is ${row.total}, not 0`);
    if (BigInt(row.inflight_total) !== 0n) {
      violations.push(`sum of ${row.currency} inflight balances is ${row.inflight_total}, not 0`);
    }
  }
  const [net] = await db.query<{ bad: string; balances: string }>(
    `SELECT count(*) FILTER (WHERE balance <> credit_balance - debit_balance
              OR inflight_balance <> inflight_credit_balance - inflight_debit_balance)::text AS bad,
            count(*)::text AS balances
     FROM balances`,
  );
  if (Number(net.bad) > 0) violations.push(`${net.bad} balances where balance <> credit - debit`);
  const outcomeCounts = await db.query<{ outcomes: string; requests: string }>(
    `SELECT o.outcomes::text, count(*)::text AS requests FROM (
       SELECT q.transaction_id, count(c.transaction_id) AS outcomes
       FROM transactions q
       LEFT JOIN transactions c ON c.parent_transaction = q.transaction_id
         AND c.status IN ${OUTCOME_STATUSES} AND starts_with(c.reference, q.reference || '_q')
       WHERE q.status IN ('QUEUED', 'SCHEDULED')
       GROUP BY q.transaction_id) o
     GROUP BY o.outcomes`,
  );
  let queued_requests = 0;
  for (const row of outcomeCounts) {
    queued_requests += Number(row.requests);
    if (row.outcomes !== '1') violations.push(`${row.requests} queued transactions with ${row.outcomes} outcomes`);
  }
  const byStatus = await db.query<{ status: string; count: string }>(
    'SELECT status, count(*)::text AS count FROM transactions GROUP BY status ORDER BY status',
  );
  const outcomes = Object.fromEntries(byStatus.map((row) => [row.status, Number(row.count)]));
  if (accepted_references.length > 0) {
    const [missing] = await db.query<{ missing: string; example: string | null }>(
      `SELECT count(*)::text AS missing, min(r.reference) AS example
       FROM unnest($1::text[]) AS r(reference)
       WHERE NOT EXISTS (SELECT 1 FROM transactions t WHERE t.reference = r.reference)`,
      [accepted_references],
    );
    if (Number(missing.missing) > 0) {
      violations.push(`${missing.missing} accepted references missing from the database (e.g. ${missing.example})`);
    }
  }
  const transactions = byStatus.reduce((sum, row) => sum + Number(row.count), 0);
  return { balances: Number(net.balances), transactions, queued_requests, outcomes, violations };
}

const DRAIN_BATCH_SIZE = 1000;
const DRAIN_BATCHES_MAX = 10_000;

/** Applies whatever is still due in the queue (the server has stopped); returns how many. */
export async function drainQueue(db: Database): Promise<number> {
  let applied = 0;
  for (let i = 0; i < DRAIN_BATCHES_MAX; i++) {
    const { processed } = await applyDueBatch(db, DRAIN_BATCH_SIZE);
    if (processed === 0) return applied;
    applied += processed;
  }
  throw new Error(`queue not drained after ${DRAIN_BATCHES_MAX} batches`);
}
