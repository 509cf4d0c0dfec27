// Group commit: items submitted by concurrent requests share one database transaction. A flush starts
// as soon as a slot is free; while flushes run, new items wait and the next free slot takes them all
// (up to `batch_size_max`). Under light load every item commits alone (no added latency); under heavy
// load one commit carries many. Each caller still resolves only after the commit that holds its item.
import { ApiError } from '../../errors.js';

export type ItemResult<Out> = { ok: true; value: Out } | { ok: false; error: unknown };

export interface GroupCommitOptions {
  /** Items per flush (one database transaction). */
  batch_size_max: number;
  /** Flushes running at once (database connections used). */
  flushes_in_flight_max: number;
  /** Items waiting for a flush; beyond it new items are refused with 429 at once. */
  pending_max: number;
}

interface Pending<In, Out> {
  item: In;
  resolve: (value: Out) => void;
  reject: (error: unknown) => void;
}

export class GroupCommitter<In, Out> {
  private pending: Pending<In, Out>[] = [];
  private flushing = 0;
  private scheduled = false;

  constructor(
    /** Commits `items` and answers for each, in order. A throw fails the whole flush. */
    private readonly flush: (items: readonly In[]) => Promise<ItemResult<Out>[]>,
    private readonly options: GroupCommitOptions,
  ) {}

  submit(item: In): Promise<Out> {
    if (this.pending.length >= this.options.pending_max) {
      return Promise.reject(new ApiError('GEN_RATE_LIMITED', 'too many transactions waiting to be recorded, try again'));
    }
    return new Promise<Out>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /**
   * Starts flushes at the end of this event-loop turn, after every request read in it has been
   * submitted. Starting at once would let the embedded database, which runs queries synchronously
   * on this thread, finish a whole flush before the next request of the same turn is even parsed:
   * every flush would carry one item.
   */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.start();
    });
  }

  private start(): void {
    while (this.flushing < this.options.flushes_in_flight_max && this.pending.length > 0) {
      const batch = this.pending.splice(0, this.options.batch_size_max);
      this.flushing += 1;
      this.flush(batch.map((entry) => entry.item))
        .then(
          (results) => {
            // A flush answers every caller: a missing verdict would leave a request waiting for ever.
            if (results.length !== batch.length) {
              const broken = new Error(`group commit: ${results.length} verdicts for ${batch.length} requests`);
              batch.forEach((entry) => entry.reject(broken));
              return;
            }
            batch.forEach((entry, i) => {
              const result = results[i];
              if (result.ok) entry.resolve(result.value);
              else entry.reject(result.error);
            });
          },
          (error: unknown) => batch.forEach((entry) => entry.reject(error)),
        )
        .finally(() => {
          this.flushing -= 1;
          this.schedule();
        });
    }
  }
}
