// Failed authentications per source address in a sliding window. When an address reaches the
// threshold within the window, `note` says so once (no second alert for that address within one
// window) and the address is blocked for `block_ms` (0: never blocked). Per process, in memory,
// bounded: past ADDRESSES_MAX addresses the oldest are forgotten.
export interface FailureWatchSettings {
  threshold: number;
  window_ms: number;
  block_ms: number;
}

const ADDRESSES_MAX = 100_000;

export interface Crossing {
  failures: number;
  /** 0 when blocking is off. */
  blocked_until_ms: number;
}

export class AuthFailureWatch {
  /** Failure times within the window, oldest first, at most `threshold` of them. */
  private readonly failures = new Map<string, number[]>();
  private readonly alertedAt = new Map<string, number>();
  private readonly blockedUntil = new Map<string, number>();

  constructor(private readonly settings: FailureWatchSettings) {}

  /** Records a failure from `address`; the crossing when this failure reaches the threshold. */
  note(address: string, now_ms: number): Crossing | undefined {
    const { threshold, window_ms, block_ms } = this.settings;
    let times = this.failures.get(address);
    if (!times) {
      evictOldest(this.failures);
      times = [];
      this.failures.set(address, times);
    }
    while (times.length > 0 && times[0] <= now_ms - window_ms) times.shift();
    times.push(now_ms);
    if (times.length > threshold) times.shift();
    if (times.length < threshold) return undefined;
    const alerted = this.alertedAt.get(address);
    if (alerted !== undefined && now_ms - alerted < window_ms) return undefined;
    evictOldest(this.alertedAt);
    this.alertedAt.set(address, now_ms);
    const blocked_until_ms = block_ms > 0 ? now_ms + block_ms : 0;
    if (blocked_until_ms > 0) {
      evictOldest(this.blockedUntil);
      this.blockedUntil.set(address, blocked_until_ms);
    }
    return { failures: times.length, blocked_until_ms };
  }

  /** Milliseconds `address` stays blocked; 0 when it is not. */
  blockedFor(address: string, now_ms: number): number {
    const until = this.blockedUntil.get(address);
    if (until === undefined) return 0;
    if (until > now_ms) return until - now_ms;
    this.blockedUntil.delete(address);
    return 0;
  }
}

function evictOldest(map: Map<string, unknown>): void {
  if (map.size >= ADDRESSES_MAX) map.delete(map.keys().next().value!);
}
