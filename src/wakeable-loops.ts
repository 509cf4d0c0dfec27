// Background loops that look for stored work (runs, batches) in the database: each slot claims and
// does one unit after another, sleeping `idle_poll_ms` when there was none; wake() ends the sleep
// at once (this process stored work). stop() lets the units in hand finish.
export class WakeableLoops {
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly wakers = new Set<() => void>();

  constructor(
    /** Claims and does one unit of work; false when there was none. */
    private readonly workOne: () => Promise<boolean>,
    private readonly onError: (error: unknown) => void,
    private readonly options: { idle_poll_ms: number; slots: number },
  ) {}

  /** False once stop() was called: a unit in hand should let go at its next step. */
  get active(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loops = Array.from({ length: this.options.slots }, () => this.loop());
  }

  wake(): void {
    for (const wake of [...this.wakers]) wake();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await Promise.all(this.loops);
  }

  private sleep(ms: number): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }

  private async loop(): Promise<void> {
    while (this.running) {
      let worked = false;
      try {
        worked = await this.workOne();
      } catch (error) {
        this.onError(error);
      }
      if (!worked) await this.sleep(this.options.idle_poll_ms);
    }
  }
}
