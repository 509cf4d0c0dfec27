// Doubling delays, for retries of one delivery or action and for the pauses of a failing background job.

/** Delay before the attempt after attempt number `attempt` (1-based): doubling from base, capped. */
export function retryDelayMs(attempt: number, base_ms: number, max_ms: number): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 40);
  return Math.min(base_ms * 2 ** exponent, max_ms);
}

/**
 * The pause after `failures` consecutive failures: retryDelayMs's doubling bound, then a random point
 * in its upper half (`random` in [0, 1)), so that processes that failed together do not retry together.
 */
export function failureBackoffMs(failures: number, base_ms: number, max_ms: number, random: () => number = Math.random): number {
  const bound_ms = retryDelayMs(failures, base_ms, max_ms);
  return Math.round(bound_ms / 2 + (random() * bound_ms) / 2);
}
