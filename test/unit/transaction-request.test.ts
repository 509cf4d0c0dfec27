import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../src/errors.js';
import { DATE_FORMAT_MESSAGE, parseTransactionRequest } from '../../src/ledger/transaction-request.js';

const valid = { amount: 10, currency: 'USD', reference: 'r', description: 'd', source: 'bln_a', destination: 'bln_b' };

function refusal(body: unknown): ApiError {
  try {
    parseTransactionRequest(body);
  } catch (error) {
    assert.ok(error instanceof ApiError);
    return error;
  }
  assert.fail('accepted');
}

function message(body: unknown): string {
  const error = refusal(body);
  assert.equal(error.code, 'TXN_VALIDATION_ERROR');
  assert.equal(error.body().errors, error.message);
  return error.message;
}

test('every validation message of §2.5, in ozzo form', () => {
  const { description: _d, ...noDescription } = valid;
  assert.equal(message(noDescription), 'description: cannot be blank.');
  assert.equal(message({ ...valid, currency: '' }), 'currency: cannot be blank.');
  assert.equal(message({ ...valid, reference: '' }), 'reference: cannot be blank.');
  assert.equal(message({ ...valid, precise_amount: 5 }), 'amount: either amount or precise_amount should be provided, not both.');
  assert.equal(message({ ...valid, amount: 0 }), 'amount: either amount or precise_amount is required.');
  assert.equal(message({ ...valid, amount: -5 }), 'amount: amount cannot be negative.');
  assert.equal(
    message({ ...valid, amount: 1234567890123456 }),
    'amount: amount has more than 15 significant digits which may cause rounding errors; use precise_amount instead.',
  );
  const { amount: _a, ...noAmount } = valid;
  assert.equal(message({ ...noAmount, precise_amount: -5 }), 'precise_amount: precise_amount cannot be negative.');
  assert.equal(message({ ...valid, precision: 10.5 }), 'precision: precision must be an integer value.');
  assert.equal(message({ ...valid, precision: -100 }), 'precision: precision cannot be negative.');
  assert.equal(message({ ...valid, source: '' }), 'source: either source or sources is required, not both.');
  assert.equal(
    message({ ...valid, sources: [{ identifier: 'bln_c', distribution: '100%' }] }),
    'source: either source or sources is required, not both.',
  );
  assert.equal(message({ ...valid, destination: '' }), 'destination: either destination or destinations is required, not both.');
  assert.equal(message({ ...valid, destination: 'bln_a' }), 'source: source and destination cannot be the same balance.');
  for (const field of ['scheduled_for', 'inflight_expiry_date', 'inflight_commit_date']) {
    assert.equal(message({ ...valid, [field]: '2024-04-22 15:28' }), `${field}: ${DATE_FORMAT_MESSAGE}.`);
  }
  assert.equal(
    message({ amount: 0 }),
    'amount: either amount or precise_amount is required; currency: cannot be blank; description: cannot be blank; ' +
      'destination: either destination or destinations is required, not both; reference: cannot be blank; ' +
      'source: either source or sources is required, not both.',
  );
});

test('wrong JSON types are 400 GEN_MALFORMED_REQUEST `Invalid input`', () => {
  for (const body of [
    null,
    [],
    'x',
    { ...valid, amount: '10' },
    { ...valid, amount: undefined, precise_amount: '10.5' },
    { ...valid, amount: undefined, precise_amount: 10.5 },
    { ...valid, skip_queue: 'yes' },
    { ...valid, reference: 5 },
    { ...valid, meta_data: [1] },
    { ...valid, effective_date: 'yesterday' },
    { ...valid, destinations: 'x' },
  ]) {
    const error = refusal(body);
    assert.equal(error.code, 'GEN_MALFORMED_REQUEST', JSON.stringify(body));
    assert.equal(error.body().error, 'Invalid input');
    const { field } = error.options.details as { field: string };
    assert.match(error.message, new RegExp(`^Invalid input: ${field.replace(/[[\]]/g, '\\$&')} must be `));
  }
});

test('13: a wrong JSON type names its field', () => {
  assert.equal(refusal({ ...valid, reference: 5 }).message, 'Invalid input: reference must be a string');
  assert.equal(refusal({ ...valid, skip_queue: 'yes' }).message, 'Invalid input: skip_queue must be a boolean');
  assert.equal(
    refusal({ ...valid, source: undefined, sources: [{ identifier: 1, distribution: '100%' }] }).message,
    'Invalid input: sources[0].identifier must be a string',
  );
});

test('amounts become exact minor units', () => {
  const a = parseTransactionRequest({ ...valid, amount: 100.555, precision: 100 });
  assert.equal(a.precise_amount, 10056n);
  assert.equal(a.amount_string, '100.56');
  assert.equal(a.amount, 100.555);
  const b = parseTransactionRequest({ ...valid, amount: undefined, precise_amount: 1001, precision: 100 });
  assert.equal(b.amount_string, '10.01');
  const c = parseTransactionRequest({ ...valid, amount: 42 });
  assert.equal(c.precision, 1n);
  assert.equal(c.precise_amount, 42n);
  const big = parseTransactionRequest({
    ...valid,
    amount: undefined,
    precise_amount: 123456789012345678901234567890n,
    precision: 100,
  });
  assert.equal(big.precise_amount, 123456789012345678901234567890n);
  assert.equal(big.amount_string, '1234567890123456789012345678.9');
  const limit = parseTransactionRequest({ ...valid, overdraft_limit: 50, precision: 100 });
  assert.equal(limit.overdraft_limit_precise, 5000n);
});

test("an integer string precise_amount (as Blnk's SDK sends big values) is exact", () => {
  const { amount: _a, ...noAmount } = valid;
  assert.equal(
    parseTransactionRequest({ ...noAmount, precise_amount: '123456789012345678901234567890' }).precise_amount,
    123456789012345678901234567890n,
  );
});

test('an amount that rounds to nothing is refused', () => {
  const error = refusal({ ...valid, amount: 0.001, precision: 100 });
  assert.equal(error.code, 'TXN_INVALID_AMOUNT');
});
