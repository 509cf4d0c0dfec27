// The one loop of every background job (the queue worker, inflight settlement, bulk batches,
// reconciliation runs, webhook and hook deliveries). Each slot takes one step after another; a step
// says whether more work is waiting ('more': step again at once) or not ('idle': sleep
// `idle_poll_ms`, or until woken). A wake that arrives while a slot is in a step is kept (a pending
// flag), so work stored during a step is never left for the next poll. A step that throws is reported
// and followed by a pause that doubles with each consecutive failure up to a bound, with jitter, so
// processes that failed together (a database restart) do not come back together; wakes do not cut
// that pause short. stop() lets the steps in hand finish.
import { failureBackoffMs } from './backoff.js';

export type Step = 'more' | 'idle';

export interface WorkLoopOptions {
  idle_poll_ms: number;
  /** Steps run side by side (each slot is a loop of its own). */
  slots?: number;
  /** The pause after a first failure; it doubles with each consecutive one. */
  failure_backoff_ms: number;
  failure_backoff_max_ms: number;
}

/** The failure pauses of a job whose step only claims work from the database: 1 s doubling to 30 s. */
export const CLAIM_FAILURE_BACKOFF = { failure_backoff_ms: 1_000, failure_backoff_max_ms: 30_000 } as const;

interface Slot {
  /** Woken since its step began. */
  pending: boolean;
  /** Ends an idle sleep (a wake). */
  wakeUp?: () => void;
  /** Ends any sleep (stop). */
  cancel?: () => void;
}

export class WorkLoop {
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly slots: Slot[];

  constructor(
    private readonly step: () => Promise<Step>,
    /** Told of a failed step and how many have failed in a row (it logs). */
    private readonly onError: (error: unknown, failures: number) => void,
    private readonly options: WorkLoopOptions,
  ) {
    this.slots = Array.from({ length: options.slots ?? 1 }, () => ({ pending: false }));
  }

  /** False once stop() was called: a step in hand should let go at its next point. */
  get active(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loops = this.slots.map((slot) => this.run(slot));
  }

  /** Work is waiting: every slot looks at once (or as soon as its step in hand ends). */
  wake(): void {
    for (const slot of this.slots) {
      slot.pending = true;
      slot.wakeUp?.();
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const slot of this.slots) slot.cancel?.();
    await Promise.all(this.loops);
  }

  private pause(slot: Slot, ms: number, wakeable: boolean): Promise<void> {
    if (!this.running || (wakeable && slot.pending)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        slot.wakeUp = slot.cancel = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      slot.cancel = done;
      if (wakeable) slot.wakeUp = done;
    });
  }

  private async run(slot: Slot): Promise<void> {
    let failures = 0;
    while (this.running) {
      slot.pending = false;
      let step: Step;
      try {
        step = await this.step();
        failures = 0;
      } catch (error) {
        failures += 1;
        this.onError(error, failures);
        const { failure_backoff_ms, failure_backoff_max_ms } = this.options;
        await this.pause(slot, failureBackoffMs(failures, failure_backoff_ms, failure_backoff_max_ms), false);
        continue;
      }
      if (step === 'idle') await this.pause(slot, this.options.idle_poll_ms, true);
    }
  }
}

/** A background job that runs on a WorkLoop: starting, waking and stopping it are the loop's. */
export abstract class LoopJob {
  protected abstract readonly loop: WorkLoop;

  start(): void {
    this.loop.start();
  }

  /** Work was stored for the job: skip the idle sleep. */
  wake(): void {
    this.loop.wake();
  }

  /** Lets the work in hand finish (what is unfinished resumes later, in any process), then stops. */
  stop(): Promise<void> {
    return this.loop.stop();
  }
}
