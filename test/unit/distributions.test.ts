import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ApiError } from '../../src/errors.js';
import { splitAmount, type DistributionInput } from '../../src/ledger/distributions.js';

const amounts = (total: bigint, precision: bigint, entries: DistributionInput[]) =>
  splitAmount(total, precision, entries).map((leg) => leg.precise_amount);

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ApiError);
    assert.equal(error.code, 'TXN_VALIDATION_ERROR');
    assert.equal(error.status, 400);
    return error.message;
  }
  assert.fail('expected a refusal');
}

describe('split examples of the spec', () => {
  test('30 000 USD: 20%, 10000 fixed and left', () => {
    const legs = splitAmount(3_000_000n, 100n, [
      { identifier: 'alice', distribution: '20%' },
      { identifier: 'bob', distribution: '10000' },
      { identifier: 'charlie', distribution: 'left' },
    ]);
    assert.deepEqual(legs, [
      { identifier: 'alice', precise_amount: 600_000n },
      { identifier: 'bob', precise_amount: 1_000_000n },
      { identifier: 'charlie', precise_amount: 1_400_000n },
    ]);
  });

  test('10.01 split 50/50 gives 500 and 501 (dust to the later of equal legs)', () => {
    assert.deepEqual(
      amounts(1001n, 100n, [
        { identifier: 'a', distribution: '50%' },
        { identifier: 'b', distribution: '50%' },
      ]),
      [500n, 501n],
    );
  });

  test('9999 with 33%, 33% and left gives 3299, 3299, 3401', () => {
    const legs = amounts(9999n, 1n, [
      { identifier: 'a', distribution: '33%' },
      { identifier: 'b', distribution: '33%' },
      { identifier: 'c', distribution: 'left' },
    ]);
    assert.deepEqual(legs, [3299n, 3299n, 3401n]);
  });

  test('under-allocation without left gives the rest to the largest leg (50% + 30% -> 70/30)', () => {
    assert.deepEqual(
      amounts(100n, 1n, [
        { identifier: 'a', distribution: '50%' },
        { identifier: 'b', distribution: '30%' },
      ]),
      [70n, 30n],
    );
  });

  test('fractional percentages and fixed amounts in major units are exact', () => {
    assert.deepEqual(
      amounts(10_000n, 100n, [
        { identifier: 'a', distribution: '12.5%' },
        { identifier: 'b', distribution: '0.25' },
        { identifier: 'c', distribution: 'left' },
      ]),
      [1250n, 25n, 8725n],
    );
  });

  test('precise_distribution wins over distribution and may be left', () => {
    assert.deepEqual(
      amounts(1000n, 100n, [
        { identifier: 'a', distribution: '90%', precise_distribution: '300' },
        { identifier: 'b', precise_distribution: 'left' },
      ]),
      [300n, 700n],
    );
  });

  test('amounts far beyond 2^64 stay exact', () => {
    const total = 10n ** 40n + 7n;
    const legs = amounts(total, 1n, [
      { identifier: 'a', distribution: '50%' },
      { identifier: 'b', distribution: 'left' },
    ]);
    assert.equal(legs[0] + legs[1], total);
    assert.equal(legs[0], total / 2n);
  });

  test('a sub-unit percentage share becomes 0 and its value moves to the largest percentage', () => {
    assert.deepEqual(
      amounts(10n, 1n, [
        { identifier: 'a', distribution: '5%' },
        { identifier: 'b', distribution: '95%' },
      ]),
      [0n, 10n],
    );
  });

  test('a total of one minor unit goes to the first entry', () => {
    assert.deepEqual(
      amounts(1n, 1n, [
        { identifier: 'a', distribution: '50%' },
        { identifier: 'b', distribution: '50%' },
      ]),
      [1n, 0n],
    );
  });
});

describe('split refusals', () => {
  test('percentages above 100%', () => {
    const message = refusal(() =>
      splitAmount(1000n, 1n, [
        { identifier: 'a', distribution: '60%' },
        { identifier: 'b', distribution: '60%' },
      ]),
    );
    assert.equal(message, 'failed to split transaction: total distributions exceed 100% or total amount');
  });

  test('a fixed amount larger than the total', () => {
    const message = refusal(() =>
      splitAmount(1000n, 100n, [
        { identifier: 'a', distribution: '10.01' },
        { identifier: 'b', distribution: 'left' },
      ]),
    );
    assert.equal(message, 'failed to split transaction: fixed amount exceeds remaining transaction amount');
  });

  test('fixed plus percentage beyond the total is refused, not shrunk', () => {
    const message = refusal(() =>
      splitAmount(1000n, 1n, [
        { identifier: 'a', distribution: '600' },
        { identifier: 'b', distribution: '50%' },
      ]),
    );
    assert.match(message, /total distributions exceed 100% or total amount/);
  });

  test('a repeated identifier', () => {
    const message = refusal(() =>
      splitAmount(1000n, 1n, [
        { identifier: 'bln_x', distribution: '50%' },
        { identifier: 'bln_x', distribution: '50%' },
      ]),
    );
    assert.match(message, /^failed to split transaction: identifier 'bln_x' appears more than once$/);
  });

  test('malformed shares', () => {
    assert.match(
      refusal(() => splitAmount(100n, 1n, [{ identifier: 'a', distribution: 'x%' }])),
      /invalid percentage format/,
    );
    assert.match(
      refusal(() => splitAmount(100n, 1n, [{ identifier: 'a', distribution: '-5%' }])),
      /invalid percentage format/,
    );
    assert.match(
      refusal(() => splitAmount(100n, 1n, [{ identifier: 'a', distribution: 'ten' }])),
      /invalid fixed amount format/,
    );
    assert.match(
      refusal(() => splitAmount(100n, 1n, [{ identifier: 'a', distribution: '-1' }])),
      /invalid fixed amount format/,
    );
    assert.match(
      refusal(() => splitAmount(100n, 1n, [{ identifier: 'a', precise_distribution: '1.5' }])),
      /invalid precise_distribution format: must be an integer value in minor units/,
    );
    assert.match(
      refusal(() => splitAmount(100n, 1n, [{ distribution: 'left' }])),
      /identifier/,
    );
    assert.match(
      refusal(() => splitAmount(100n, 1n, [])),
      /failed to split transaction/,
    );
  });
});

// An arbitrary split that is valid by construction: fixed shares and percentages that stay within
// the total, optionally a `left`, in a random order.
const validSplit = fc
  .record({
    total: fc.bigInt({ min: 2n, max: 10n ** 30n }),
    precision: fc.constantFrom(1n, 100n, 1000n, 10n ** 8n),
    percents: fc.array(fc.integer({ min: 0, max: 10_000 }), { maxLength: 5 }),
    fixedParts: fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 4 }),
    withLeft: fc.boolean(),
    order: fc.array(fc.integer(), { minLength: 10, maxLength: 10 }),
  })
  .map(({ total, precision, percents, fixedParts, withLeft, order }) => {
    const entries: DistributionInput[] = [];
    let percentBudget = 10_000n; // hundredths of a percent
    for (const raw of percents) {
      const hundredths = BigInt(raw) > percentBudget ? percentBudget : BigInt(raw);
      percentBudget -= hundredths;
      entries.push({ distribution: `${Number(hundredths) / 100}%` });
    }
    // Fixed shares take at most what the percentages leave (in minor units, precise_distribution).
    const percentUsed = (total * (10_000n - percentBudget)) / 10_000n + 1n;
    let fixedBudget = total > percentUsed ? total - percentUsed : 0n;
    for (const part of fixedParts) {
      const value = (fixedBudget * BigInt(part)) / 2000n;
      fixedBudget -= value;
      entries.push({ precise_distribution: value.toString() });
    }
    if (withLeft || entries.length === 0) entries.push({ distribution: 'left' });
    const shuffled = entries
      .map((entry, i) => ({ entry, key: order[i % order.length] + i / 100 }))
      .sort((a, b) => a.key - b.key)
      .map(({ entry }, i) => ({ ...entry, identifier: `bln_${i}` }));
    return { total, precision, entries: shuffled };
  });

describe('split properties', () => {
  test('legs always sum exactly to the total and none is negative', () => {
    fc.assert(
      fc.property(validSplit, ({ total, precision, entries }) => {
        const legs = splitAmount(total, precision, entries);
        assert.equal(legs.length, entries.length);
        assert.equal(
          legs.reduce((sum, leg) => sum + leg.precise_amount, 0n),
          total,
        );
        for (const leg of legs) assert.ok(leg.precise_amount >= 0n);
      }),
      { numRuns: 500 },
    );
  });

  test('legs pair with the entries in array order and the result is deterministic', () => {
    fc.assert(
      fc.property(validSplit, ({ total, precision, entries }) => {
        const first = splitAmount(total, precision, entries);
        assert.deepEqual(
          first.map((leg) => leg.identifier),
          entries.map((entry) => entry.identifier),
        );
        assert.deepEqual(splitAmount(total, precision, entries), first);
      }),
      { numRuns: 200 },
    );
  });

  test('any split either is refused with a split error or sums to the total with no negative leg', () => {
    const share = fc.oneof(
      fc.integer({ min: 0, max: 150 }).map((n) => ({ distribution: `${n}%` })),
      fc.integer({ min: 0, max: 2000 }).map((n) => ({ distribution: `${n / 100}` })),
      fc.bigInt({ min: 0n, max: 5000n }).map((n) => ({ precise_distribution: n.toString() })),
      fc.constant({ distribution: 'left' }),
    );
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 100_000n }), fc.array(share, { minLength: 1, maxLength: 6 }), (total, shares) => {
        const entries = shares.map((s, i) => ({ ...s, identifier: `bln_${i}` }));
        let legs;
        try {
          legs = splitAmount(total, 100n, entries);
        } catch (error) {
          assert.ok(error instanceof ApiError && error.message.startsWith('failed to split transaction: '));
          return;
        }
        assert.equal(
          legs.reduce((sum, leg) => sum + leg.precise_amount, 0n),
          total,
        );
        for (const leg of legs) assert.ok(leg.precise_amount >= 0n);
      }),
      { numRuns: 1000 },
    );
  });
});
