import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { conditionHolds, preciseValue, toDecimalText } from '../../src/ledger/monitor-condition.js';

test('precise_value is value × precision exactly, truncated toward zero', () => {
  assert.equal(preciseValue(10, 100), 1000n);
  assert.equal(preciseValue(0.29, 100), 29n); // float math gives 28.999999999999996
  assert.equal(preciseValue(1.005, 100), 100n);
  assert.equal(preciseValue(-1.5, 3), -4n);
  assert.equal(preciseValue(-0.29, 100), -29n);
  assert.equal(preciseValue(1e21, 1), 10n ** 21n);
  assert.equal(preciseValue(1e-7, 1e8), 10n);
  assert.equal(preciseValue(123456789012345678901234567890n, 100), 12345678901234567890123456789000n);
  assert.equal(preciseValue(2.5, 2.5), 6n);
});

test('decimal text never uses exponent notation', () => {
  assert.equal(toDecimalText(1e21), '1000000000000000000000');
  assert.equal(toDecimalText(1e-7), '0.0000001');
  assert.equal(toDecimalText(-0.29), '-0.29');
  assert.equal(toDecimalText(100), '100');
  assert.equal(toDecimalText(12345678901234567890n), '12345678901234567890');
});

test('precise_value of cents agrees with the exact integer product', () => {
  fc.assert(
    fc.property(fc.integer({ min: -10_000_000, max: 10_000_000 }), (cents) => {
      assert.equal(preciseValue(cents / 100, 100), BigInt(cents));
      assert.equal(preciseValue(cents / 100, 1), BigInt(Math.trunc(cents / 100)));
    }),
  );
});

test('every operator compares the field with precise_value, = as equality', () => {
  const cases: [bigint, '>' | '<' | '>=' | '<=' | '=' | '!=', bigint, boolean][] = [
    [5n, '>', 4n, true],
    [4n, '>', 4n, false],
    [3n, '<', 4n, true],
    [4n, '<', 4n, false],
    [4n, '>=', 4n, true],
    [3n, '>=', 4n, false],
    [4n, '<=', 4n, true],
    [5n, '<=', 4n, false],
    [4n, '=', 4n, true],
    [5n, '=', 4n, false],
    [5n, '!=', 4n, true],
    [4n, '!=', 4n, false],
  ];
  for (const [actual, operator, value, expected] of cases) assert.equal(conditionHolds(actual, operator, value), expected);
});
