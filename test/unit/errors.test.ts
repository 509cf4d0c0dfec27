import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, ERROR_STATUS } from '../../src/errors.js';

test("the catalogue holds Blnk's 78 canonical codes, Kassa's transport, security and posting-condition codes, each with a domain prefix", () => {
  const codes = Object.keys(ERROR_STATUS);
  assert.equal(codes.length, 88);
  assert.equal(ERROR_STATUS.TXN_VERSION_MISMATCH, 409);
  assert.equal(ERROR_STATUS.TXN_BALANCE_OUT_OF_BOUNDS, 409);
  assert.equal(ERROR_STATUS.APIKEY_NOT_ROTATABLE, 409);
  assert.equal(ERROR_STATUS.AUDIT_INVALID_QUERY, 400);
  assert.equal(ERROR_STATUS.GEN_SERVICE_UNAVAILABLE, 503);
  for (const code of codes) {
    assert.match(code, /^(GEN|AUTH|APIKEY|AUDIT|TXN|BAL|LGR|ACC|IDT|RECON|META|HOOK|QUEUE|SRCH|ADMIN)_/);
  }
});

test('an ApiError renders the dual envelope with the catalogue status', () => {
  const error = new ApiError('TXN_INSUFFICIENT_FUNDS', 'insufficient funds');
  assert.equal(error.status, 400);
  assert.deepEqual(error.body(), {
    error: 'insufficient funds',
    error_detail: { code: 'TXN_INSUFFICIENT_FUNDS', message: 'insufficient funds' },
  });
  const validation = new ApiError('GEN_VALIDATION_ERROR', 'name: cannot be blank.', { legacyKey: 'errors', details: { f: 1 } });
  assert.deepEqual(validation.body(), {
    errors: 'name: cannot be blank.',
    error_detail: { code: 'GEN_VALIDATION_ERROR', message: 'name: cannot be blank.', details: { f: 1 } },
  });
});
