// The queue worker: runs batches while there is due work, sleeps (bounded) when there is none, and
// wakes at once when a process accepts a transaction (src/background/wake-channel.ts). Any number of workers may run against one
// database; the applier lock lets one apply at a time, the others wait their turn.
import { isTransientFailure, type Database } from '../../db/database.js';
import { countDueItems, hasDueItems } from '../../db/transaction-queue.js';
import type { Logger } from '../../log.js';
import { applyDueBatch, rejectHeadItem } from './applier.js';
import { LoopJob, WorkLoop, type Step } from '../../background/work-loop.js';

export interface WorkerOptions {
  batch_size_max: number;
  /** Sleep between polls when idle or when another process holds the applier lock. */
  idle_poll_ms: number;
  /** The pause after a failed batch (doubling, with jitter, while failures go on). */
  failure_backoff_ms: number;
  /** Consecutive non-transient failures of a single-item batch before that item is rejected. */
  poison_failures_max: number;
  /** Told the size of each applied batch (the blnk_transaction_batch_size metric). */
  onBatchApplied?: (processed: number) => void;
}

export const DEFAULT_WORKER_OPTIONS: WorkerOptions = {
  batch_size_max: 1000,
  idle_poll_ms: 100,
  failure_backoff_ms: 500,
  poison_failures_max: 3,
};

const DRAIN_POLL_MS = 25;
/** The failure pause doubles up to this many times failure_backoff_ms. */
const FAILURE_BACKOFF_GROWTH_MAX = 16;
export const POISON_REJECTION_REASON = 'failed to apply transaction: it failed repeatedly and was set aside';

export class TransactionWorker extends LoopJob {
  protected readonly loop: WorkLoop;
  private batchSize: number;
  /** Consecutive non-transient failures of the head item alone. */
  private headFailures = 0;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    private readonly options: WorkerOptions = DEFAULT_WORKER_OPTIONS,
  ) {
    super();
    this.batchSize = options.batch_size_max;
    this.loop = new WorkLoop(
      () => this.step(),
      (error, failures) => {
        // Consecutive: a transient failure (the database away) says nothing about the item, and starts over.
        this.headFailures = 0;
        this.logger.error({ err: error, failures }, 'queue worker cannot reach the database');
      },
      {
        idle_poll_ms: options.idle_poll_ms,
        failure_backoff_ms: options.failure_backoff_ms,
        failure_backoff_max_ms: options.failure_backoff_ms * FAILURE_BACKOFF_GROWTH_MAX,
      },
    );
  }

  /** Resolves when no queue row is due any more; throws after `timeout_ms`. */
  async drain(timeout_ms: number): Promise<void> {
    const deadline = Date.now() + timeout_ms;
    for (;;) {
      this.wake();
      if ((await countDueItems(this.db)) === 0) return;
      if (Date.now() > deadline) throw new Error(`queue not drained within ${timeout_ms} ms`);
      await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
    }
  }

  /** Applies one batch when one is due; 'more' when the batch was full (more may be waiting). */
  private async step(): Promise<Step> {
    // A failed look for work (the database is away) blames no item: the loop pauses and tries again.
    if (!(await hasDueItems(this.db))) return 'idle';
    let result;
    try {
      result = await applyDueBatch(this.db, this.batchSize);
    } catch (error) {
      // The database away: the loop pauses longer with each failure. Anything else is the batch's
      // own: halve it at once (after a short pause) until the failing item stands alone.
      if (isTransientFailure(error)) throw error;
      this.logger.error({ err: error, batch_size: this.batchSize }, 'queue batch failed');
      await this.onFailure();
      await new Promise((resolve) => setTimeout(resolve, this.options.failure_backoff_ms));
      return 'more';
    }
    if (result.processed > 0) this.options.onBatchApplied?.(result.processed);
    this.headFailures = 0;
    this.batchSize = this.options.batch_size_max;
    return result.busy || result.processed < this.batchSize ? 'idle' : 'more';
  }

  /**
   * Smaller batches isolate a failing item; one that fails alone repeatedly for a reason that is not
   * transient (a data error, a bug: it recurs on every try) is rejected rather than retried forever.
   */
  private async onFailure(): Promise<void> {
    if (this.batchSize === 1) this.headFailures += 1;
    if (this.headFailures >= this.options.poison_failures_max) {
      try {
        const rejected = await rejectHeadItem(this.db, POISON_REJECTION_REASON);
        if (rejected.length > 0) {
          this.logger.error({ transaction_ids: rejected }, 'queued transaction rejected after repeated failures');
        }
        this.headFailures = 0;
      } catch (rejectError) {
        this.logger.error({ err: rejectError }, 'could not reject a failing queued transaction');
      }
    }
    this.batchSize = Math.max(1, Math.floor(this.batchSize / 2));
  }
}
