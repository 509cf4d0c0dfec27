// Waiting until a queued run has been applied: the newest accepted operations' outcome rows exist
// (the applier takes the queue in arrival order, so the newest are the last to get theirs).
import { performance } from 'node:perf_hooks';
import type { BenchClient } from './http.js';

const TAIL_CHECKED = 16;
const POLL_MS = 100;

async function hasOutcome(client: BenchClient, reference: string): Promise<boolean> {
  const response = await client.get(`/transactions/reference/${encodeURIComponent(reference)}`);
  if (response.status !== 200) return false;
  const status = JSON.parse(response.text)?.status;
  return status !== 'QUEUED' && status !== 'SCHEDULED';
}

/** Resolves with performance.now() when drained; throws after `timeout_ms`. */
export async function waitForOutcomes(
  client: BenchClient,
  outcome_references: readonly string[],
  timeout_ms: number,
): Promise<number> {
  const tail = outcome_references.slice(-TAIL_CHECKED);
  const deadline = performance.now() + timeout_ms;
  let remaining = tail;
  for (;;) {
    const present = await Promise.all(remaining.map((reference) => hasOutcome(client, reference)));
    remaining = remaining.filter((_, i) => !present[i]);
    if (remaining.length === 0) return performance.now();
    if (performance.now() > deadline) {
      throw new Error(`queue not drained within ${timeout_ms} ms (no outcome yet for ${remaining[0]})`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
