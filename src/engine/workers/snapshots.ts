// The snapshot job behind POST /balances-snapshots: runs in the background, one batch per statement,
// balances in id order. At most one run at a time per process; a request during a run asks for one
// more run afterwards (to cover balances created meanwhile), so the work is bounded.
import type { Database } from '../../db/database.js';
import { snapshotBatch } from '../../db/balance-snapshots.js';
import type { Logger } from '../../log.js';

export const SNAPSHOT_BATCH_SIZE_DEFAULT = 1000;

export class SnapshotJob {
  private running: Promise<void> | undefined;
  private rerun_batch_size: number | undefined;

  constructor(
    private readonly db: Database,
    private readonly logger: Pick<Logger, 'info' | 'error'>,
  ) {}

  /** Starts a run (or schedules one after the current run) and returns at once. */
  request(batch_size: number): void {
    if (this.running) {
      this.rerun_batch_size = batch_size;
      return;
    }
    this.running = this.run(batch_size).finally(() => {
      this.running = undefined;
      const next = this.rerun_batch_size;
      this.rerun_batch_size = undefined;
      if (next !== undefined) this.request(next);
    });
  }

  /** Resolves when no run is in progress (for shutdown and tests). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async run(batch_size: number): Promise<void> {
    let after = '';
    let batches = 0;
    try {
      for (;;) {
        const last = await snapshotBatch(this.db, after, batch_size);
        if (last === undefined) break;
        after = last;
        batches += 1;
      }
      this.logger.info({ batches, batch_size }, 'balance snapshots taken');
    } catch (error) {
      this.logger.error({ err: error }, 'balance snapshot run failed');
    }
  }
}
