import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stringifyJson } from '../../src/json.js';
import {
  decimalText,
  divideRoundHalfAwayFromZero,
  significantDigits,
  toAmount,
  toAmountString,
  toPreciseAmount,
} from '../../src/ledger/money.js';

test('decimal text is the shortest round trip, never exponent notation', () => {
  assert.equal(decimalText(1e-7), '0.0000001');
  assert.equal(decimalText(1.5e-10), '0.00000000015');
  assert.equal(decimalText(1e21), '1000000000000000000000');
  assert.equal(decimalText(1.2345e25), '12345000000000000000000000');
  assert.equal(decimalText(100.555), '100.555');
  assert.equal(decimalText(-0), '0');
  fc.assert(
    fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (value) => {
      const text = decimalText(value);
      assert.match(text, /^-?\d+(\.\d+)?$/);
      assert.equal(Number(text), value === 0 ? 0 : value);
    }),
  );
});

test('amount × precision is exact and rounds half away from zero (§3.1)', () => {
  assert.equal(toPreciseAmount(1.005, 100n), 101n);
  assert.equal(toPreciseAmount(19.99, 100n), 1999n);
  assert.equal(toPreciseAmount(0.29, 100n), 29n);
  assert.equal(toPreciseAmount(0.1, 100_000_000n), 10_000_000n);
  assert.equal(toPreciseAmount(100.555, 100n), 10056n);
  assert.equal(toPreciseAmount(100.5, 100n), 10050n);
  assert.equal(toPreciseAmount(42, 0n), 42n);
  assert.equal(toPreciseAmount(0.5, 1n), 1n);
  assert.equal(toPreciseAmount(-0.5, 1n), -1n);
  assert.equal(toPreciseAmount(0.4, 1n), 0n);
});

test('integer amounts scale without loss, whatever the precision', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.bigInt({ min: 1n, max: 10n ** 30n }), (n, p) => {
      assert.equal(toPreciseAmount(n, p), BigInt(n) * p);
    }),
  );
});

test('rounding is half away from zero', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }), fc.bigInt({ min: 1n, max: 10n ** 20n }), (n, d) => {
      const q = divideRoundHalfAwayFromZero(n, d);
      const error = n - q * d; // |error| <= d/2, and exactly d/2 only away from zero
      assert.ok(2n * (error < 0n ? -error : error) <= d);
      if (2n * error === d) assert.ok(n < 0n);
      if (-2n * error === d) assert.ok(n > 0n);
    }),
  );
});

test('amount_string is the exact decimal of precise ÷ precision (§3.2)', () => {
  assert.equal(toAmountString(1001n, 100n), '10.01');
  assert.equal(toAmountString(10056n, 100n), '100.56');
  assert.equal(toAmountString(42n, 1n), '42');
  assert.equal(toAmountString(123456789012345678901234567890n, 100n), '1234567890123456789012345678.9');
  assert.equal(toAmountString(1n, 3n), '0.3333333333333333');
  assert.equal(toAmountString(2n, 3n), '0.6666666666666667');
  assert.equal(toAmountString(5n, 10n ** 18n), '0');
  assert.equal(toAmountString(50n, 10n ** 18n), '0.0000000000000001');
  assert.equal(stringifyJson({ amount: toAmount(1001n, 100n) }), '{"amount":10.01}');
  assert.equal(stringifyJson({ amount: toAmount(10n ** 40n - 1n, 10n) }), '{"amount":999999999999999999999999999999999999999.9}');
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: 10n ** 40n }), fc.integer({ min: 0, max: 16 }), (precise, digits) => {
      const precision = 10n ** BigInt(digits);
      const text = toAmountString(precise, precision);
      const [whole, fraction = ''] = text.split('.');
      assert.equal(BigInt(whole + fraction.padEnd(digits, '0')), precise);
    }),
  );
});

test('significant digits ignore the point and leading zeros', () => {
  assert.equal(significantDigits(1234567890123456), 16);
  assert.equal(significantDigits(123456789012345), 15);
  assert.equal(significantDigits(0.001), 1);
  assert.equal(significantDigits(100.5), 4);
  assert.equal(significantDigits(1000), 4);
});
