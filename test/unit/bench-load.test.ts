// The benchmark's open-loop generator: operations start on schedule whatever earlier ones do, and the
// in-flight bound turns operations that come due at the bound into errors instead of delaying them.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { IN_FLIGHT_BOUND_ERROR, runOpenLoop, summarize } from '../../bench/load.js';
import { scenarioByName } from '../../bench/scenarios.js';

describe('bench load generator', () => {
  test('percentiles are nearest-rank over the successful operations', () => {
    const latencies = Array.from({ length: 100 }, (_, i) => 100 - i);
    assert.deepEqual(summarize(latencies), { count: 100, p50_ms: 50, p95_ms: 95, p99_ms: 99, max_ms: 100 });
    assert.equal(summarize([]).count, 0);
  });

  test('every scheduled operation is started even while earlier ones have not answered', async () => {
    const started: number[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const run = runOpenLoop({
      phases: [{ name: 'steady', rate_per_s: 200, duration_s: 0.2 }],
      in_flight_max: 1000,
      op: async (k) => {
        started.push(k);
        await gate;
        return { ok: true };
      },
    });
    while (started.length < 40) await new Promise((resolve) => setTimeout(resolve, 5));
    release();
    const result = await run;
    assert.deepEqual(
      started,
      Array.from({ length: 40 }, (_, k) => k),
    );
    assert.equal(result.scheduled, 40);
    assert.equal(result.ok, 40);
    assert.equal(result.errors, 0);
  });

  test('operations due at the in-flight bound are not sent and count as errors', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let sent = 0;
    const run = runOpenLoop({
      phases: [{ name: 'steady', rate_per_s: 200, duration_s: 0.1 }],
      in_flight_max: 3,
      op: async () => {
        sent += 1;
        await gate;
        return { ok: false, error: '500 GEN_INTERNAL' };
      },
    });
    setTimeout(release, 200);
    const result = await run;
    assert.equal(sent, 3);
    assert.equal(result.scheduled, 20);
    assert.equal(result.ok, 0);
    assert.deepEqual(result.error_kinds, { [IN_FLIGHT_BOUND_ERROR]: 17, '500 GEN_INTERNAL': 3 });
  });

  test('spike runs the base rate, three times it, then the base rate again', () => {
    const phases = scenarioByName('spike').phases(200, 60);
    assert.deepEqual(
      phases.map((p) => [p.name, p.rate_per_s, p.duration_s]),
      [
        ['warm', 200, 20],
        ['peak', 600, 10],
        ['recover', 200, 30],
      ],
    );
    assert.equal(scenarioByName('baseline:skip').skip_queue, true);
    assert.throws(() => scenarioByName('nope'), /unknown scenario/);
  });
});
