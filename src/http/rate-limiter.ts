// Token buckets per client (blnk-contract.md auth §9.3): `requests_per_second` refill, `burst` capacity.
// Buckets idle for `idle_ttl_ms` are dropped by sweep(); the map never holds more than
// `buckets_max`, the oldest bucket making room (it then starts full again, which only loosens).

export interface RateLimitSettings {
  requests_per_second: number;
  burst: number;
  idle_ttl_ms: number;
  buckets_max: number;
}

interface Bucket {
  tokens: number;
  updated_at_ms: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  constructor(private readonly settings: RateLimitSettings) {}

  /** Takes one token from `key`'s bucket; false when it is empty. */
  take(key: string, now_ms: number): boolean {
    const bucket = this.refilled(key, now_ms);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Whether `key`'s bucket holds a token, taking none. */
  hasToken(key: string, now_ms: number): boolean {
    return this.tokens(key, now_ms) >= 1;
  }

  /** Whole seconds until `key`'s bucket holds a token again (0 when it holds one). */
  retryAfterS(key: string, now_ms: number): number {
    const tokens = this.tokens(key, now_ms);
    return tokens >= 1 ? 0 : Math.ceil((1 - tokens) / this.settings.requests_per_second);
  }

  /** The tokens `key` holds now, without creating a bucket for a key never seen (it would hold `burst`). */
  private tokens(key: string, now_ms: number): number {
    return this.buckets.has(key) ? this.refilled(key, now_ms).tokens : this.settings.burst;
  }

  get burst(): number {
    return this.settings.burst;
  }

  private refilled(key: string, now_ms: number): Bucket {
    const { requests_per_second, burst, buckets_max } = this.settings;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= buckets_max) this.buckets.delete(this.buckets.keys().next().value!);
      bucket = { tokens: burst, updated_at_ms: now_ms };
      this.buckets.set(key, bucket);
    } else {
      const elapsed_s = Math.max(0, now_ms - bucket.updated_at_ms) / 1000;
      bucket.tokens = Math.min(burst, bucket.tokens + elapsed_s * requests_per_second);
      bucket.updated_at_ms = now_ms;
    }
    return bucket;
  }

  sweep(now_ms: number): void {
    for (const [key, bucket] of this.buckets) {
      if (now_ms - bucket.updated_at_ms >= this.settings.idle_ttl_ms) this.buckets.delete(key);
    }
  }

  get size(): number {
    return this.buckets.size;
  }
}
