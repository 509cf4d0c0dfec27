// The failed-authentication watch (issue 17, item 4) against a model: an alert exactly when an
// address has `threshold` failures within the window and no alert in the last window; a block of
// `block_ms` from that moment; addresses independent of each other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AuthFailureWatch } from '../../src/auth/failure-watch.js';

const event = fc.record({ address: fc.constantFrom('a', 'b', 'c'), gap_ms: fc.integer({ min: 0, max: 400 }) });

test('alerts and blocks follow the sliding-window model', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 100, max: 2000 }),
      fc.integer({ min: 0, max: 3000 }),
      fc.array(event, { maxLength: 120 }),
      (threshold, window_ms, block_ms, events) => {
        const watch = new AuthFailureWatch({ threshold, window_ms, block_ms });
        const failures = new Map<string, number[]>();
        const alertedAt = new Map<string, number>();
        const blockedUntil = new Map<string, number>();
        let now_ms = 0;
        for (const { address, gap_ms } of events) {
          now_ms += gap_ms;
          for (const other of ['a', 'b', 'c']) {
            const expected = Math.max(0, (blockedUntil.get(other) ?? 0) - now_ms);
            assert.equal(watch.blockedFor(other, now_ms), expected);
          }
          const times = (failures.get(address) ?? []).filter((t) => t > now_ms - window_ms).concat(now_ms);
          failures.set(address, times);
          const recent = times.length >= threshold;
          const last = alertedAt.get(address);
          const shouldAlert = recent && (last === undefined || now_ms - last >= window_ms);
          const crossing = watch.note(address, now_ms);
          assert.equal(crossing !== undefined, shouldAlert);
          if (crossing) {
            alertedAt.set(address, now_ms);
            assert.equal(crossing.failures, threshold);
            assert.equal(crossing.blocked_until_ms, block_ms > 0 ? now_ms + block_ms : 0);
            if (block_ms > 0) blockedUntil.set(address, now_ms + block_ms);
          }
        }
      },
    ),
    { numRuns: 300 },
  );
});

test('failures spread wider than the window never alert', () => {
  const watch = new AuthFailureWatch({ threshold: 3, window_ms: 1000, block_ms: 5000 });
  for (let i = 0; i < 50; i += 1) assert.equal(watch.note('x', i * 500), undefined);
  assert.equal(watch.blockedFor('x', 25_000), 0);
});
