// The open-loop load generator. Operations are started on a fixed schedule (k6's
// constant-arrival-rate): operation k of a phase is due at phase_start + k / rate, and it is sent when
// due whether or not earlier ones have answered. Latency is measured from the DUE time, so a server
// (or a generator) that falls behind pays for it in the figures instead of silently slowing the
// arrivals (no coordinated omission). In-flight operations are bounded: an operation that comes due
// while the bound is reached is not sent and counts as an error.
import { performance } from 'node:perf_hooks';

export interface Phase {
  name: string;
  rate_per_s: number;
  duration_s: number;
}

/** An operation's verdict; `error` is a short label such as "500 GEN_INTERNAL". */
export type OpOutcome = { ok: true } | { ok: false; error: string };

export interface LoadOptions {
  phases: readonly Phase[];
  in_flight_max: number;
  /** Runs operation `k` (0-based, across phases). */
  op: (k: number) => Promise<OpOutcome>;
}

export interface LatencySummary {
  count: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  max_ms: number;
}

export interface PhaseResult {
  name: string;
  rate_per_s: number;
  scheduled: number;
  ok: number;
  errors: number;
  latency: LatencySummary;
}

export interface LoadResult {
  scheduled: number;
  ok: number;
  errors: number;
  /** Error label -> count (including "in-flight bound reached"). */
  error_kinds: Record<string, number>;
  /** Seconds from the first due time to the last answer. */
  elapsed_s: number;
  /** Seconds of schedule (sum of phase durations). */
  schedule_s: number;
  latency: LatencySummary;
  phases: PhaseResult[];
  /** performance.now() of the first due time and of the last answer. */
  started_at_ms: number;
  finished_at_ms: number;
}

export const IN_FLIGHT_BOUND_ERROR = 'in-flight bound reached';
const START_DELAY_MS = 20;

export function summarize(latencies: readonly number[]): LatencySummary {
  if (latencies.length === 0) return { count: 0, p50_ms: 0, p95_ms: 0, p99_ms: 0, max_ms: 0 };
  const sorted = Float64Array.from(latencies).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return { count: sorted.length, p50_ms: at(0.5), p95_ms: at(0.95), p99_ms: at(0.99), max_ms: sorted[sorted.length - 1] };
}

interface PhaseState {
  phase: Phase;
  latencies: number[];
  scheduled: number;
  ok: number;
  errors: number;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function runOpenLoop(options: LoadOptions): Promise<LoadResult> {
  const states: PhaseState[] = options.phases.map((phase) => ({ phase, latencies: [], scheduled: 0, ok: 0, errors: 0 }));
  const error_kinds: Record<string, number> = {};
  const all: number[] = [];
  const pending = new Set<Promise<void>>();
  let in_flight = 0;
  let k = 0;
  let last_answer_ms = 0;
  const started_at_ms = performance.now() + START_DELAY_MS;

  const fail = (state: PhaseState, label: string) => {
    state.errors += 1;
    error_kinds[label] = (error_kinds[label] ?? 0) + 1;
  };

  const launch = (state: PhaseState, due_ms: number) => {
    const index = k++;
    state.scheduled += 1;
    if (in_flight >= options.in_flight_max) {
      fail(state, IN_FLIGHT_BOUND_ERROR);
      return;
    }
    in_flight += 1;
    const done = options
      .op(index)
      .catch((error: unknown): OpOutcome => ({ ok: false, error: error instanceof Error ? error.message : String(error) }))
      .then((outcome) => {
        in_flight -= 1;
        const now = performance.now();
        last_answer_ms = Math.max(last_answer_ms, now);
        if (outcome.ok) {
          state.ok += 1;
          const latency = now - due_ms;
          state.latencies.push(latency);
          all.push(latency);
        } else {
          fail(state, outcome.error);
        }
        pending.delete(done);
      });
    pending.add(done);
  };

  let phase_start_ms = started_at_ms;
  for (const state of states) {
    const { rate_per_s, duration_s } = state.phase;
    const count = Math.round(rate_per_s * duration_s);
    const interval_ms = 1000 / rate_per_s;
    for (let i = 0; i < count;) {
      const now = performance.now();
      // Send everything that is due; then sleep until the next one is.
      while (i < count && phase_start_ms + i * interval_ms <= now) {
        launch(state, phase_start_ms + i * interval_ms);
        i += 1;
      }
      if (i < count) await sleep(Math.max(0, phase_start_ms + i * interval_ms - performance.now()));
    }
    phase_start_ms += duration_s * 1000;
  }
  while (pending.size > 0) await Promise.all([...pending]);
  const finished_at_ms = Math.max(last_answer_ms, performance.now());
  const phases = states.map((state) => ({
    name: state.phase.name,
    rate_per_s: state.phase.rate_per_s,
    scheduled: state.scheduled,
    ok: state.ok,
    errors: state.errors,
    latency: summarize(state.latencies),
  }));
  const scheduled = states.reduce((sum, s) => sum + s.scheduled, 0);
  const ok = states.reduce((sum, s) => sum + s.ok, 0);
  return {
    scheduled,
    ok,
    errors: scheduled - ok,
    error_kinds,
    elapsed_s: (finished_at_ms - started_at_ms) / 1000,
    schedule_s: options.phases.reduce((sum, p) => sum + p.duration_s, 0),
    latency: summarize(all),
    phases,
    started_at_ms,
    finished_at_ms,
  };
}
