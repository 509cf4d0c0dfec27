import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseJson, stringifyJson } from '../../src/json.js';

test('big integers survive a parse and print round trip', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }), (n) => {
      const text = `{"precise_amount":${n}}`;
      const parsed = parseJson(text) as { precise_amount: bigint | number };
      assert.equal(BigInt(parsed.precise_amount), n);
      assert.equal(stringifyJson(parsed), text);
    }),
  );
});

test('safe numbers stay numbers and floats keep their value', () => {
  const parsed = parseJson('{"amount":100.5,"n":42,"big":123456789012345678901234567890}') as Record<string, unknown>;
  assert.equal(parsed.amount, 100.5);
  assert.equal(parsed.n, 42);
  assert.equal(parsed.big, 123456789012345678901234567890n);
});

test('strings that look like the bigint mark are not rewritten', () => {
  const value = { s: '\u0000number:12' };
  assert.deepEqual(JSON.parse(stringifyJson(value)), value);
});
