// The runner of asynchronous bulk batches (`run_async`). A batch is stored before the 202 answer;
// runners in any number of processes claim stored batches with a lease and process them unit by
// unit, recording progress and the outcome (with its `bulk_transaction.*` event) in the database
// transactions that do the work. A batch whose process died is taken up again when its lease runs
// out, from the first unit not applied; a claim that lost its batch stops at its next unit.
import { randomUUID } from 'node:crypto';
import { advanceBatch, claimBatch, finishBatch, holdBatch, releaseBatch, type StoredBatch } from '../../db/bulk-batches.js';
import type { Database, Queryable } from '../../db/database.js';
import { ApiError, INTERNAL_ERROR_MESSAGE } from '../../errors.js';
import { recordEvent } from '../../events/outbox.js';
import { parseBulkRequest } from '../../ledger/bulk-request.js';
import type { Logger } from '../../log.js';
import { BatchLost, planBatch, processBatch, type BatchSteward, type BulkOutcome } from '../features/bulk.js';
import type { DirectOptions } from '../accept/record.js';
import { CLAIM_FAILURE_BACKOFF, LoopJob, WorkLoop } from '../../background/work-loop.js';

export interface BulkRunnerOptions {
  /** Batches one process works on at once. */
  slots: number;
  idle_poll_ms: number;
  /** How long a claim lasts without progress before another process may take the batch over. */
  lease_ms: number;
  /** Claims of a batch that end in unexpected errors before it is failed. */
  attempts_max: number;
  retry_delay_ms: number;
}

export const DEFAULT_BULK_RUNNER_OPTIONS: BulkRunnerOptions = {
  slots: 4,
  // The accepting process wakes its runner at once; polling only finds batches whose claim expired.
  idle_poll_ms: 1_000,
  lease_ms: 5_000,
  attempts_max: 10,
  retry_delay_ms: 1_000,
};

/** Blnk allows this many asynchronous batches at once (429 beyond). */
export const ASYNC_BATCHES_MAX = 100;

async function finish(tx: Queryable, batch_id: string, outcome: BulkOutcome): Promise<void> {
  await finishBatch(tx, batch_id, outcome.status, outcome.status === 'failed' ? outcome.error : null);
  const result = outcome.status === 'failed' ? { error: outcome.error } : { transaction_count: outcome.transaction_count };
  await recordEvent(tx, `bulk_transaction.${outcome.status}`, {
    batch_id,
    status: outcome.status,
    timestamp: new Date().toISOString(),
    ...result,
  });
}

export class BulkRunner extends LoopJob {
  protected readonly loop: WorkLoop;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    private readonly direct: DirectOptions,
    /** Tells this process's queue worker that transactions were queued. */
    private readonly onQueued: (() => void) | undefined,
    private readonly options: BulkRunnerOptions = DEFAULT_BULK_RUNNER_OPTIONS,
  ) {
    super();
    this.loop = new WorkLoop(
      async () => ((await this.processOne()) ? 'more' : 'idle'),
      (error) => this.logger.error({ err: error }, 'bulk runner failed to claim a batch'),
      { ...options, ...CLAIM_FAILURE_BACKOFF },
    );
  }

  private steward(batch: StoredBatch): BatchSteward {
    return {
      // Stopping: let go at the next unit; the batch resumes from there later.
      hold: async (tx, units_done) => this.loop.active && holdBatch(tx, batch.batch_id, batch.claim_token, units_done),
      advance: (tx, units_done) => advanceBatch(tx, batch.batch_id, units_done, this.options.lease_ms),
      finish: (tx, outcome) => finish(tx, batch.batch_id, outcome),
    };
  }

  /** Claims and processes one batch; false when none was waiting. */
  async processOne(): Promise<boolean> {
    const batch = await claimBatch(this.db, randomUUID(), this.options.lease_ms);
    if (!batch) return false;
    const steward = this.steward(batch);
    let skip_queue = false;
    try {
      const bulk = parseBulkRequest(batch.request);
      skip_queue = bulk.skip_queue;
      await processBatch(this.db, planBatch(batch.batch_id, bulk), this.direct, steward, batch.units_done);
    } catch (error) {
      if (error instanceof BatchLost) {
        if (this.loop.active) this.logger.info({ batch_id: batch.batch_id }, 'bulk batch taken over by another process');
        else await releaseBatch(this.db, batch.batch_id, batch.claim_token, 0);
      } else if (!(error instanceof ApiError)) {
        await this.onUnexpected(batch, error);
      }
    } finally {
      if (!skip_queue) this.onQueued?.();
    }
    return true;
  }

  private async onUnexpected(batch: StoredBatch, error: unknown): Promise<void> {
    this.logger.error({ err: error, batch_id: batch.batch_id, attempts: batch.attempts }, 'bulk batch failed unexpectedly');
    if (batch.attempts < this.options.attempts_max) {
      await releaseBatch(this.db, batch.batch_id, batch.claim_token, this.options.retry_delay_ms);
      return;
    }
    await this.db.transaction(async (tx) => {
      if (await holdBatch(tx, batch.batch_id, batch.claim_token, null)) {
        await finish(tx, batch.batch_id, { status: 'failed', error: INTERNAL_ERROR_MESSAGE });
      }
    });
  }
}
