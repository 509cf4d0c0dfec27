// The pure checks of reconciliation input: exact decimal amounts, RFC 3339 dates with a real calendar,
// records naming their row and field, matching rules with Blnk's messages, and start requests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ApiError } from '../../src/errors.js';
import { AMOUNT_DIGITS_MAX, exactDecimal, externalRecord, RecordError } from '../../src/reconciliation/records.js';
import { parseRule } from '../../src/reconciliation/rules.js';
import { instantRecords, parseStart } from '../../src/reconciliation/start.js';
import { isRfc3339 } from '../../src/time.js';

/** digits × 10^-scale of a plain decimal text. */
function rational(text: string): { digits: bigint; scale: number } {
  const [whole, fraction = ''] = text.replace('-', '').split('.');
  const digits = BigInt(whole + fraction) * (text.startsWith('-') ? -1n : 1n);
  return { digits, scale: fraction.length };
}

test('exactDecimal keeps the value of any decimal text, in plain notation without trailing zeros', () => {
  assert.equal(exactDecimal('100.00'), '100');
  assert.equal(exactDecimal('-5.50'), '-5.5');
  assert.equal(exactDecimal('+.5'), '0.5');
  assert.equal(exactDecimal('1e2'), '100');
  assert.equal(exactDecimal('1.5E-3'), '0.0015');
  assert.equal(exactDecimal(' 007 '), '7');
  assert.equal(exactDecimal('12345678901234567.89'), '12345678901234567.89');
  for (const bad of ['', '.', '-', '1,000', '1.2.3', 'ten', '0x10', 'NaN', 'Infinity', '1e', '--1', '1e99999']) {
    assert.equal(exactDecimal(bad), undefined, bad);
  }
  assert.equal(exactDecimal('9'.repeat(AMOUNT_DIGITS_MAX)), '9'.repeat(AMOUNT_DIGITS_MAX));
  assert.equal(exactDecimal('9'.repeat(AMOUNT_DIGITS_MAX + 1)), undefined);
  assert.equal(exactDecimal('1e41'), undefined);

  const decimal = fc.tuple(
    fc.boolean(),
    fc.bigInt({ min: 0n, max: 10n ** 30n }),
    fc.integer({ min: 0, max: 8 }),
    fc.integer({ min: -5, max: 5 }),
  );
  fc.assert(
    fc.property(decimal, ([negative, digits, scale, exponent]) => {
      const text = digits.toString().padStart(scale + 1, '0');
      const written = `${negative ? '-' : ''}${scale === 0 ? text : `${text.slice(0, -scale)}.${text.slice(-scale)}`}e${exponent}`;
      const result = exactDecimal(written)!;
      assert.ok(/^-?\d+(\.\d*[1-9])?$/.test(result), `${written} -> ${result}`);
      // written = ±digits × 10^(exponent − scale) must equal result = got.digits × 10^−got.scale.
      const got = rational(result);
      const k = exponent - scale + got.scale;
      const value = negative ? -digits : digits;
      assert.equal(got.digits * 10n ** BigInt(Math.max(0, -k)), value * 10n ** BigInt(Math.max(0, k)), `${written} -> ${result}`);
      assert.equal(exactDecimal(result), result, 'idempotent');
    }),
  );
});

test('isRfc3339 accepts real instants only, as Go parses them', () => {
  for (const good of [
    '2024-01-31T09:30:00Z',
    '2024-02-29T23:59:59.999999+05:30',
    '2024-01-01T00:00:00-15:59',
    '2023-12-31t00:00:00z',
    '0001-01-01T00:00:00Z',
  ]) {
    assert.ok(isRfc3339(good), good);
  }
  for (const bad of [
    '2024-02-30T00:00:00Z',
    '2023-02-29T00:00:00Z',
    '2024-04-31T00:00:00Z',
    '2024-01-31T24:00:00Z',
    '2024-01-31T23:60:00Z',
    '2024-13-01T00:00:00Z',
    '0000-01-01T00:00:00Z',
    '2024-01-31 09:30:00Z',
    '2024-01-31T09:30:00',
    '2024-01-31T09:30:00+16:00',
    '2024-01-31',
    '31/01/2024',
  ]) {
    assert.ok(!isRfc3339(bad), bad);
  }
  fc.assert(
    fc.property(
      fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }),
      (date) => {
        assert.ok(isRfc3339(date.toISOString()), date.toISOString());
      },
    ),
  );
});

test('a record names its row and the first field at fault', () => {
  const good = { id: ' x1 ', amount: '10.10', currency: 'USD', reference: 'R', description: 'D', date: '2024-01-31T09:30:00Z' };
  assert.deepEqual(externalRecord(good, 1), { ...good, id: 'x1', amount: '10.1' });
  const problems: [Record<string, unknown>, string][] = [
    [{ ...good, id: ' ' }, 'row 7: id is required'],
    [{ ...good, amount: undefined }, 'row 7: amount is required'],
    [{ ...good, amount: '1,5' }, `row 7: amount must be a decimal number of at most ${AMOUNT_DIGITS_MAX} digits`],
    [{ ...good, currency: 5 }, 'row 7: currency must be a string'],
    [{ ...good, reference: 'a\u0000b' }, 'row 7: reference must not contain NUL (\\u0000) characters'],
    [{ ...good, description: 'x'.repeat(1001) }, 'row 7: description must have at most 1000 characters'],
    [{ ...good, date: '2024-02-30T00:00:00Z' }, 'row 7: date must be an RFC 3339 date-time (2024-01-31T09:30:00Z)'],
  ];
  for (const [fields, message] of problems) {
    assert.throws(
      () => externalRecord(fields, 7),
      (error: unknown) => error instanceof RecordError && error.message === message && error.row === 7,
    );
  }
});

test("rules: Blnk's messages, drifts kept exact", () => {
  const rule = parseRule({ name: 'n', criteria: [{ field: 'amount', operator: 'equals', allowable_drift: 0.1 }] });
  assert.deepEqual(rule, {
    name: 'n',
    description: '',
    criteria: [{ field: 'amount', operator: 'equals', value: '', pattern: '', allowable_drift: '0.1' }],
  });
  assert.equal(
    parseRule({ name: 'n', criteria: [{ field: 'date', operator: 'equals', allowable_drift: 10n ** 20n }] }).criteria[0]
      .allowable_drift,
    '100000000000000000000',
  );
  const message = (body: unknown) => {
    try {
      parseRule(body);
    } catch (error) {
      assert.ok(error instanceof ApiError);
      return `${error.code}: ${error.message}`;
    }
    return 'accepted';
  };
  assert.equal(message({ name: '  ', criteria: [] }), 'RECON_RULE_INVALID: rule name is required');
  assert.equal(message({ name: 'n', criteria: {} }), 'RECON_RULE_INVALID: criteria must be an array');
  assert.equal(message({ name: 'n', criteria: [{ field: 'amount', operator: 'equals', allowable_drift: 1 }] }), 'accepted');
  assert.equal(
    message({ name: 'n', criteria: [{ field: 'amount', operator: 'equals', allowable_drift: 1.0001 }] }).split(' (')[0],
    'RECON_RULE_INVALID: drift for amount must be between 0 and 1',
  );
  assert.equal(
    message({ name: 'n', criteria: [{ field: 'reference', operator: 'contains', allowable_drift: -1 }] }),
    'RECON_RULE_INVALID: allowable_drift must be non-negative',
  );
  assert.equal(message([]), 'GEN_MALFORMED_REQUEST: Invalid request body');
});

test('start requests: required keys, strategies and their grouping columns', () => {
  const base = { strategy: 'one_to_one', matching_rule_ids: ['rule_a', 'rule_a', 'rule_b'] };
  assert.deepEqual(parseStart({ ...base, grouping_criteria: 'amount' }), {
    strategy: 'one_to_one',
    matching_rule_ids: ['rule_a', 'rule_b'],
    grouping_criteria: '',
    dry_run: false,
  });
  assert.equal(
    parseStart({ ...base, strategy: 'one_to_many', grouping_criteria: 'parent_transaction', dry_run: true }).dry_run,
    true,
  );
  const code = (body: Record<string, unknown>) => {
    try {
      parseStart(body);
      return 'accepted';
    } catch (error) {
      return (error as ApiError).code;
    }
  };
  assert.equal(code({ ...base, matching_rule_ids: [] }), 'RECON_MATCHING_RULES_REQUIRED');
  assert.equal(code({ ...base, matching_rule_ids: [1] }), 'GEN_MALFORMED_REQUEST');
  assert.equal(code({ ...base, dry_run: 'yes' }), 'GEN_MALFORMED_REQUEST');
  assert.equal(code({ ...base, strategy: 'many_to_one', grouping_criteria: 'parent_transaction' }), 'GEN_VALIDATION_ERROR');
  assert.equal(code({ ...base, strategy: 'many_to_one', grouping_criteria: 'description' }), 'accepted');
  assert.equal(code({ ...base, strategy: 'one_to_many', grouping_criteria: 'description' }), 'GEN_VALIDATION_ERROR');

  const record = { id: 'a', amount: 0.1, currency: 'USD', reference: 'R', description: 'D', date: '2024-01-31T09:30:00Z' };
  assert.deepEqual(instantRecords([record, { ...record, id: 'b', amount: 12345678901234567890n, source: 'psp' }]), [
    { ...record, amount: '0.1', source: 'instant' },
    { ...record, id: 'b', amount: '12345678901234567890', source: 'psp' },
  ]);
  assert.throws(() => instantRecords([record, { ...record, amount: 'x' }]), /^ApiError: external_transactions: row 2: amount/);
  assert.throws(
    () => instantRecords([{ ...record, amount: Number('12345678901234567.89') }]),
    /row 1: amount has more than 15 significant digits: send it as a string/,
  );
  assert.equal(instantRecords([{ ...record, amount: '12345678901234567.89' }])[0].amount, '12345678901234567.89');
});
