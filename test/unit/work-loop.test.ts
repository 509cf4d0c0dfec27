// The one background loop (src/background/work-loop.ts): wakes are never dropped, failures pause
// with a bounded, jittered backoff, stop() ends any sleep and waits for the step in hand.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { failureBackoffMs } from '../../src/background/backoff.js';
import { WorkLoop, type Step } from '../../src/background/work-loop.js';

/** Far longer than any test may take: a step that waited for it would time the test out. */
const HOUR_MS = 3_600_000;
const options = { idle_poll_ms: HOUR_MS, failure_backoff_ms: HOUR_MS, failure_backoff_max_ms: HOUR_MS };

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('work loop', () => {
  test('the failure pause doubles from its base up to its bound, jittered within the upper half', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (failures, base_ms, max_ms, random) => {
          const bound_ms = Math.min(base_ms * 2 ** Math.min(failures - 1, 30), max_ms);
          const pause_ms = failureBackoffMs(failures, base_ms, max_ms, () => random);
          assert.ok(
            pause_ms >= Math.floor(bound_ms / 2) && pause_ms <= bound_ms,
            `${pause_ms} outside [${bound_ms / 2}, ${bound_ms}]`,
          );
          assert.ok(
            failureBackoffMs(failures + 1, base_ms, max_ms, () => 0.999) >= failureBackoffMs(failures, base_ms, max_ms, () => 0),
          );
        },
      ),
    );
  });

  test(
    'a wake that arrives while a step runs is kept: the loop steps again at once instead of sleeping',
    { timeout: 10_000 },
    async () => {
      const second = deferred();
      let steps = 0;
      const loop = new WorkLoop(
        async (): Promise<Step> => {
          steps += 1;
          if (steps === 1) loop.wake();
          else second.resolve();
          return 'idle';
        },
        () => assert.fail('no step fails'),
        options,
      );
      loop.start();
      await second.promise;
      await loop.stop();
      assert.ok(steps >= 2);
    },
  );

  test('a wake ends an idle sleep; stop() ends any sleep and waits for the step in hand', { timeout: 10_000 }, async () => {
    const calls: string[] = [];
    let release = deferred();
    const stepStarted = [deferred(), deferred()];
    let n = 0;
    const loop = new WorkLoop(
      async (): Promise<Step> => {
        stepStarted[n++]?.resolve();
        calls.push('step');
        return 'idle';
      },
      () => {},
      options,
    );
    loop.start();
    await stepStarted[0].promise;
    loop.wake();
    await stepStarted[1].promise;
    assert.equal(calls.length, 2);

    // stop() while a step is in hand: it resolves only after the step ends.
    release = deferred();
    const inHand = deferred();
    const slow = new WorkLoop(
      async (): Promise<Step> => {
        inHand.resolve();
        await release.promise;
        return 'idle';
      },
      () => {},
      options,
    );
    slow.start();
    await inHand.promise;
    let stopped = false;
    const stopping = slow.stop().then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(stopped, false, 'stop() returned before the step in hand ended');
    release.resolve();
    await stopping;
    await loop.stop();
  });

  test(
    'failures are counted in a row and reset by a success; a pause after a failure ends at stop()',
    { timeout: 10_000 },
    async () => {
      const reported: number[] = [];
      const thirdFailure = deferred();
      let steps = 0;
      const loop = new WorkLoop(
        async (): Promise<Step> => {
          steps += 1;
          if (steps === 3) return 'more';
          throw new Error(`failure ${steps}`);
        },
        (_error, failures) => {
          reported.push(failures);
          if (reported.length === 3) thirdFailure.resolve();
        },
        { idle_poll_ms: HOUR_MS, failure_backoff_ms: 1, failure_backoff_max_ms: 1 },
      );
      loop.start();
      await thirdFailure.promise;
      assert.deepEqual(reported.slice(0, 3), [1, 2, 1]);
      await loop.stop();

      const failed = deferred();
      const stuck = new WorkLoop(
        async (): Promise<Step> => {
          throw new Error('down');
        },
        () => failed.resolve(),
        options,
      );
      stuck.start();
      await failed.promise;
      stuck.wake(); // does not end a failure pause
      await stuck.stop(); // does
    },
  );
});
