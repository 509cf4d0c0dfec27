/** Delay before the attempt after attempt number `attempt` (1-based): doubling from base, capped. */
export function retryDelayMs(attempt: number, base_ms: number, max_ms: number): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 40);
  return Math.min(base_ms * 2 ** exponent, max_ms);
}
