// The queue worker: runs batches while there is due work, sleeps (bounded) when there is none, and
// wakes at once when this process accepts a transaction. Any number of workers may run against one
// database; the applier lock lets one apply at a time, the others wait their turn.
import { isTransientFailure, type Database } from '../db/database.js';
import { countDueItems, hasDueItems } from '../db/transaction-queue.js';
import type { Logger } from '../log.js';
import { applyDueBatch, rejectHeadItem } from './applier.js';

export interface WorkerOptions {
  batch_size_max: number;
  /** Sleep between polls when idle or when another process holds the applier lock. */
  idle_poll_ms: number;
  /** Back-off after a failed batch. */
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
export const POISON_REJECTION_REASON = 'failed to apply transaction: it failed repeatedly and was set aside';

export class TransactionWorker {
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private pendingWake = false;
  private batchSize: number;
  private failures = 0;
  /** Consecutive non-transient failures of the head item alone. */
  private headFailures = 0;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    private readonly options: WorkerOptions = DEFAULT_WORKER_OPTIONS,
  ) {
    this.batchSize = options.batch_size_max;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** New work is waiting: skip the idle sleep. */
  wake(): void {
    this.pendingWake = true;
    this.wakeUp?.();
  }

  /** Finishes the batch in progress, then stops. */
  async stop(): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.loop;
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

  private sleep(ms: number): Promise<void> {
    if (this.pendingWake || !this.running) {
      this.pendingWake = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    }).then(() => {
      this.wakeUp = undefined;
      this.pendingWake = false;
    });
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.pendingWake = false;
      let result;
      try {
        if (!(await hasDueItems(this.db))) {
          await this.sleep(this.options.idle_poll_ms);
          continue;
        }
      } catch (error) {
        // The look for work failed (the database is away): no item is to blame.
        this.logger.error({ err: error }, 'queue poll failed');
        await this.sleep(this.options.failure_backoff_ms);
        continue;
      }
      try {
        result = await applyDueBatch(this.db, this.batchSize);
        if (result.processed > 0) this.options.onBatchApplied?.(result.processed);
        this.failures = 0;
        this.headFailures = 0;
        this.batchSize = this.options.batch_size_max;
      } catch (error) {
        await this.onFailure(error);
        continue;
      }
      if (result.busy || result.processed < this.batchSize) await this.sleep(this.options.idle_poll_ms);
    }
  }

  /**
   * Smaller batches isolate a failing item; one that fails alone repeatedly for a reason that is not
   * transient (a data error, a bug: it recurs on every try) is rejected rather than retried forever.
   */
  private async onFailure(error: unknown): Promise<void> {
    this.failures += 1;
    this.logger.error({ err: error, batch_size: this.batchSize, failures: this.failures }, 'queue batch failed');
    // Consecutive: a transient failure (the database away) says nothing about the item, and starts over.
    if (isTransientFailure(error)) this.headFailures = 0;
    else if (this.batchSize === 1) this.headFailures += 1;
    if (this.headFailures >= this.options.poison_failures_max) {
      try {
        const rejected = await rejectHeadItem(this.db, POISON_REJECTION_REASON);
        if (rejected.length > 0) {
          this.logger.error({ transaction_ids: rejected }, 'queued transaction rejected after repeated failures');
        }
        this.failures = 0;
        this.headFailures = 0;
      } catch (rejectError) {
        this.logger.error({ err: rejectError }, 'could not reject a failing queued transaction');
      }
    }
    this.batchSize = Math.max(1, Math.floor(this.batchSize / 2));
    await new Promise((resolve) => setTimeout(resolve, this.options.failure_backoff_ms));
  }
}
