// Reconciliation runs as rows (migration 015): inserted by the start request, claimed with a lease by
// a runner in any process, advanced batch by batch in the transactions that write the batch's results.
import type { Queryable } from './database.js';
import type { Criterion } from '../reconciliation/rules.js';

export type RunStatus = 'started' | 'in_progress' | 'completed' | 'failed';
export type Strategy = 'one_to_one' | 'one_to_many' | 'many_to_one';

export interface RunRow {
  reconciliation_id: string;
  upload_id: string;
  status: RunStatus;
  strategy: Strategy;
  matching_rule_ids: string[];
  rules: Criterion[][];
  grouping_criteria: string;
  dry_run: boolean;
  matched_transactions: string;
  unmatched_transactions: string;
  processed: string;
  total: string;
  cursor_position: string;
  cursor_end: string;
  started_at: string;
  completed_at: string | null;
}

export interface ClaimedRun extends RunRow {
  claim_token: string;
  attempts: number;
}

/** A run row's columns, as RunRow holds them. */
export const RUN_COLUMNS =
  'reconciliation_id, upload_id, status, strategy, matching_rule_ids, rules, grouping_criteria, dry_run, ' +
  'matched_transactions, unmatched_transactions, processed, total, cursor_position, cursor_end, started_at, completed_at';

export interface NewRun {
  reconciliation_id: string;
  upload_id: string;
  strategy: Strategy;
  matching_rule_ids: string[];
  rules: Criterion[][];
  grouping_criteria: string;
  dry_run: boolean;
}

export async function insertRun(tx: Queryable, run: NewRun): Promise<void> {
  await tx.query(
    `INSERT INTO reconciliations (reconciliation_id, upload_id, strategy, matching_rule_ids, rules, grouping_criteria, dry_run)
     VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6, $7)`,
    [
      run.reconciliation_id,
      run.upload_id,
      run.strategy,
      JSON.stringify(run.matching_rule_ids),
      JSON.stringify(run.rules),
      run.grouping_criteria,
      run.dry_run,
    ],
  );
}

export async function findRun(db: Queryable, reconciliation_id: string): Promise<RunRow | undefined> {
  const rows = await db.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM reconciliations WHERE reconciliation_id = $1`, [
    reconciliation_id,
  ]);
  return rows[0];
}

/** Claims the oldest unfinished run nobody holds (or whose holder's lease ran out). */
export async function claimRun(db: Queryable, claim_token: string, lease_ms: number): Promise<ClaimedRun | undefined> {
  const rows = await db.query<ClaimedRun>(
    `UPDATE reconciliations r
     SET claim_token = $1, claimed_until = now() + $2::float8 * interval '1 millisecond', attempts = r.attempts + 1
     FROM (SELECT reconciliation_id FROM reconciliations
           WHERE status IN ('started', 'in_progress') AND (claimed_until IS NULL OR claimed_until < now())
           ORDER BY started_at, reconciliation_id LIMIT 1 FOR UPDATE SKIP LOCKED) due
     WHERE r.reconciliation_id = due.reconciliation_id
     RETURNING ${RUN_COLUMNS.split(', ')
       .map((column) => `r.${column}`)
       .join(', ')}, r.claim_token, r.attempts`,
    [claim_token, lease_ms],
  );
  return rows[0] && { ...rows[0], attempts: Number(rows[0].attempts) };
}

/**
 * Locks the run for the rest of `tx` and answers its row when this claim still holds it, unfinished,
 * at `cursor_position`; undefined when another process took it over.
 */
export async function holdRun(tx: Queryable, run: ClaimedRun): Promise<RunRow | undefined> {
  const rows = await tx.query<RunRow & { claim_token: string | null }>(
    `SELECT ${RUN_COLUMNS}, claim_token FROM reconciliations WHERE reconciliation_id = $1 FOR UPDATE`,
    [run.reconciliation_id],
  );
  const row = rows[0];
  if (!row || row.claim_token !== run.claim_token || (row.status !== 'started' && row.status !== 'in_progress')) return undefined;
  return row;
}

export interface Progress {
  status: 'in_progress';
  cursor_position: bigint;
  cursor_end?: bigint;
  total?: bigint;
  processed: bigint;
  matched: bigint;
  unmatched: bigint;
}

/** Records a batch's progress and renews the lease; call after holdRun in the same transaction. */
export async function advanceRun(tx: Queryable, reconciliation_id: string, progress: Progress, lease_ms: number): Promise<void> {
  await tx.query(
    `UPDATE reconciliations SET status = 'in_progress', cursor_position = $2, cursor_end = coalesce($3, cursor_end),
       total = coalesce($4, total), processed = $5, matched_transactions = $6, unmatched_transactions = $7,
       claimed_until = clock_timestamp() + $8::float8 * interval '1 millisecond'
     WHERE reconciliation_id = $1`,
    [
      reconciliation_id,
      progress.cursor_position,
      progress.cursor_end ?? null,
      progress.total ?? null,
      progress.processed,
      progress.matched,
      progress.unmatched,
      lease_ms,
    ],
  );
}

/** Ends a run; its groups (built for the walk only) go. */
export async function finishRun(tx: Queryable, reconciliation_id: string, status: 'completed' | 'failed'): Promise<RunRow> {
  await tx.query('DELETE FROM reconciliation_groups WHERE reconciliation_id = $1', [reconciliation_id]);
  const rows = await tx.query<RunRow>(
    `UPDATE reconciliations SET status = $2, completed_at = CASE WHEN $2 = 'completed' THEN now() END,
       claim_token = NULL, claimed_until = NULL
     WHERE reconciliation_id = $1 RETURNING ${RUN_COLUMNS}`,
    [reconciliation_id, status],
  );
  return rows[0];
}

/** Lets go of a run (this process is stopping, or will retry after `delay_ms`). */
export async function releaseRun(db: Queryable, run: ClaimedRun, delay_ms: number): Promise<void> {
  await db.query(
    `UPDATE reconciliations SET claim_token = NULL, claimed_until = now() + $3::float8 * interval '1 millisecond'
     WHERE reconciliation_id = $1 AND claim_token = $2`,
    [run.reconciliation_id, run.claim_token, delay_ms],
  );
}

export interface MatchRow {
  external_transaction_id: string;
  internal_transaction_id: string;
  amount: string;
  date: string;
}

export async function listMatches(db: Queryable, reconciliation_id: string, limit: number, offset: number): Promise<MatchRow[]> {
  return db.query<MatchRow>(
    `SELECT external_transaction_id, internal_transaction_id, amount, date FROM reconciliation_matches
     WHERE reconciliation_id = $1 ORDER BY ordinal LIMIT $2 OFFSET $3`,
    [reconciliation_id, limit, offset],
  );
}

export async function listUnmatched(db: Queryable, reconciliation_id: string, limit: number, offset: number): Promise<string[]> {
  const rows = await db.query<{ transaction_id: string }>(
    `SELECT transaction_id FROM reconciliation_unmatched WHERE reconciliation_id = $1 ORDER BY ordinal LIMIT $2 OFFSET $3`,
    [reconciliation_id, limit, offset],
  );
  return rows.map((row) => row.transaction_id);
}

/** Stores a batch's match rows, numbered after the `after` rows already stored. */
export async function insertMatches(
  tx: Queryable,
  reconciliation_id: string,
  after: bigint,
  matches: readonly MatchRow[],
): Promise<void> {
  if (matches.length === 0) return;
  await tx.query(
    `INSERT INTO reconciliation_matches (reconciliation_id, ordinal, external_transaction_id, internal_transaction_id, amount, date)
     SELECT $1, $2::bigint + u.n, u.external_id, u.internal_id, u.amount, u.date
     FROM unnest($3::text[], $4::text[], $5::numeric[], $6::timestamptz[]) WITH ORDINALITY AS u(external_id, internal_id, amount, date, n)`,
    [
      reconciliation_id,
      after.toString(),
      matches.map((m) => m.external_transaction_id),
      matches.map((m) => m.internal_transaction_id),
      matches.map((m) => m.amount),
      matches.map((m) => m.date),
    ],
  );
}

export async function insertUnmatched(
  tx: Queryable,
  reconciliation_id: string,
  after: bigint,
  ids: readonly string[],
): Promise<void> {
  if (ids.length === 0) return;
  await tx.query(
    `INSERT INTO reconciliation_unmatched (reconciliation_id, ordinal, transaction_id)
     SELECT $1, $2::bigint + u.n, u.id FROM unnest($3::text[]) WITH ORDINALITY AS u(id, n)`,
    [reconciliation_id, after.toString(), ids],
  );
}

/** The keys markReconciled writes (clients cannot set them: src/http/plugins/server-meta.ts). */
export const RECONCILED_META_KEYS = [
  'reconciled',
  'reconciliation_id',
  'reconciled_at',
  'external_txn_id',
  'reconciliation_amount',
] as const;

/**
 * Blnk's reconciliation keys, merged into the meta_data of each matched transaction and the rows
 * derived from it, from the match rows numbered after `after` (one match per transaction: the last).
 */
export async function markReconciled(
  tx: Queryable,
  reconciliation_id: string,
  after: bigint,
  reconciled_at: string,
): Promise<void> {
  await tx.query(
    `UPDATE transactions t
     SET meta_data = CASE WHEN jsonb_typeof(t.meta_data) = 'object' THEN t.meta_data ELSE '{}'::jsonb END
       || jsonb_build_object('reconciled', true, 'reconciliation_id', $1::text, 'reconciled_at', $3::text,
                             'external_txn_id', m.external_transaction_id, 'reconciliation_amount', m.amount)
     FROM (SELECT DISTINCT ON (internal_transaction_id) internal_transaction_id, external_transaction_id, amount
           FROM reconciliation_matches WHERE reconciliation_id = $1 AND ordinal > $2::bigint
           ORDER BY internal_transaction_id, ordinal DESC) m
     WHERE t.transaction_id = m.internal_transaction_id
        OR (t.parent_transaction = m.internal_transaction_id AND t.parent_transaction <> '')`,
    [reconciliation_id, after.toString(), reconciled_at],
  );
}
