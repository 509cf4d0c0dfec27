// The runner of reconciliation runs. A run is a row stored before the start request answers; runners
// in any process claim it with a lease and walk it batch by batch. Each batch's results (match rows,
// unmatched ids, the `reconciled*` metadata of matched transactions) and the run's progress are
// written in one database transaction, so a run whose process died resumes, elsewhere, after the last
// batch written, and nothing is written twice. The last batch records `reconciliation.completed`.
import { randomUUID } from 'node:crypto';
import { isTransientFailure, type Database, type Queryable } from '../db/database.js';
import {
  advanceRun,
  claimRun,
  finishRun,
  holdRun,
  insertMatches,
  insertUnmatched,
  markReconciled,
  releaseRun,
  type ClaimedRun,
  type RunRow,
} from '../db/reconciliations.js';
import { recordEvent } from '../events/outbox.js';
import type { Logger } from '../log.js';
import { CLAIM_FAILURE_BACKOFF, LoopJob, WorkLoop } from '../background/work-loop.js';
import { runView } from '../views/reconciliation.js';
import { beginRun, matchBatch } from './strategies.js';

export interface RunnerOptions {
  /** Records (many_to_one: internal transactions) matched per database transaction. */
  batch_size: number;
  /** How long a claim lasts without progress before another process may take the run over. */
  lease_ms: number;
  /** Claims of a run that end in unexpected errors before it is failed. */
  attempts_max: number;
  retry_delay_ms: number;
}

/** The runner wakes when this process stores a run; polling finds runs of other processes and expired claims. */
const IDLE_POLL_MS = 1_000;

/** Another process holds the run now (this one's lease ran out). */
class RunLost extends Error {}

/** RFC 3339 to the second, as Blnk writes `reconciled_at`. */
function nowRfc3339(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

async function finish(tx: Queryable, run: RunRow, status: 'completed' | 'failed'): Promise<void> {
  const finished = await finishRun(tx, run.reconciliation_id, status);
  await recordEvent(tx, `reconciliation.${status}`, runView(finished));
}

export class ReconciliationRunner extends LoopJob {
  protected readonly loop: WorkLoop;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    private readonly options: RunnerOptions,
  ) {
    super();
    this.loop = new WorkLoop(
      async () => ((await this.processOne()) ? 'more' : 'idle'),
      (error) => this.logger.error({ err: error }, 'reconciliation runner failed to claim a run'),
      // Two runs at once, so that one long run does not hold back every later one.
      { idle_poll_ms: IDLE_POLL_MS, slots: 2, ...CLAIM_FAILURE_BACKOFF },
    );
  }

  /** One database transaction of a run: its beginning, or one batch. True when the run is finished. */
  private step(claimed: ClaimedRun): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const run = await holdRun(tx, claimed);
      if (!run) throw new RunLost();
      const { lease_ms, batch_size } = this.options;
      const counts = {
        processed: BigInt(run.processed),
        matched: BigInt(run.matched_transactions),
        unmatched: BigInt(run.unmatched_transactions),
      };
      if (run.status === 'started') {
        const walk = await beginRun(tx, run);
        const cursor_position = BigInt(run.cursor_position);
        await advanceRun(tx, run.reconciliation_id, { status: 'in_progress', cursor_position, ...walk, ...counts }, lease_ms);
        if (walk.total > 0n) return false;
        await finish(tx, run, 'completed');
        return true;
      }
      const batch = await matchBatch(tx, run, batch_size);
      await insertMatches(tx, run.reconciliation_id, counts.matched, batch.matches);
      await insertUnmatched(tx, run.reconciliation_id, counts.unmatched, batch.unmatched);
      if (!run.dry_run && batch.matches.length > 0) await markReconciled(tx, run.reconciliation_id, counts.matched, nowRfc3339());
      const progress = {
        status: 'in_progress' as const,
        cursor_position: batch.last,
        processed: counts.processed + BigInt(batch.processed),
        matched: counts.matched + BigInt(batch.matches.length),
        unmatched: counts.unmatched + BigInt(batch.unmatched.length),
      };
      await advanceRun(tx, run.reconciliation_id, progress, lease_ms);
      if (batch.processed > 0 && batch.last < BigInt(run.cursor_end)) return false;
      await finish(tx, run, 'completed');
      return true;
    });
  }

  /** Claims and walks one run; false when none was waiting. */
  async processOne(): Promise<boolean> {
    const claimed = await claimRun(this.db, randomUUID(), this.options.lease_ms);
    if (!claimed) return false;
    try {
      let finished = false;
      while (!finished && this.loop.active) finished = await this.step(claimed);
      if (!finished) await releaseRun(this.db, claimed, 0);
    } catch (error) {
      if (error instanceof RunLost) {
        this.logger.info({ reconciliation_id: claimed.reconciliation_id }, 'reconciliation taken over by another process');
      } else {
        await this.onUnexpected(claimed, error);
      }
    }
    return true;
  }

  private async onUnexpected(claimed: ClaimedRun, error: unknown): Promise<void> {
    const { reconciliation_id, attempts } = claimed;
    this.logger.error({ err: error, reconciliation_id, attempts }, 'reconciliation run failed unexpectedly');
    // An outage or a conflict passes by itself: it never fails a run, whatever the attempts so far.
    if (attempts < this.options.attempts_max || isTransientFailure(error)) {
      await releaseRun(this.db, claimed, this.options.retry_delay_ms).catch(() => undefined);
      return;
    }
    await this.db
      .transaction(async (tx) => {
        const run = await holdRun(tx, claimed);
        if (run) await finish(tx, run, 'failed');
      })
      .catch((failure: unknown) =>
        this.logger.error({ err: failure, reconciliation_id }, 'could not record a failed reconciliation'),
      );
  }
}
