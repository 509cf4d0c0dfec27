// Bulk requests: validation texts, and the plan's units (what applies all or none) as properties.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ApiError } from '../../src/errors.js';
import { parseBulkRequest } from '../../src/ledger/bulk-request.js';
import { bulkFailure, NOT_ROLLED_BACK, planBatch, ROLLED_BACK } from '../../src/engine/features/bulk.js';

const plain = (i: number, extra: Record<string, unknown> = {}) => ({
  precise_amount: 100 + i,
  currency: 'USD',
  reference: `r${i}`,
  description: 'd',
  source: 's',
  destination: `d${i}`,
  ...extra,
});
const split = (i: number, atomic: boolean) =>
  plain(i, {
    destination: undefined,
    destinations: [
      { identifier: 'a', distribution: '50%' },
      { identifier: 'b', distribution: 'left' },
    ],
    atomic,
  });

function refusal(body: unknown): ApiError {
  try {
    parseBulkRequest(body);
  } catch (error) {
    assert.ok(error instanceof ApiError);
    return error;
  }
  assert.fail('expected a refusal');
}

describe('bulk request validation', () => {
  test('Blnk texts and codes', () => {
    assert.equal(refusal({ transactions: [] }).code, 'TXN_BULK_EMPTY');
    assert.equal(refusal({}).message, 'transactions cannot be empty');
    assert.equal(refusal({ transactions: Array(10_001).fill(plain(0)) }).code, 'TXN_BULK_LIMIT_EXCEEDED');
    const invalid = refusal({ transactions: [plain(0), plain(1, { currency: '' })] });
    assert.equal(invalid.code, 'TXN_VALIDATION_ERROR');
    assert.equal(invalid.message, 'transactions[1]: currency: cannot be blank.');
    assert.deepEqual(invalid.body().error_detail, {
      code: 'TXN_VALIDATION_ERROR',
      message: invalid.message,
      details: { index: 1 },
    });
    assert.equal(refusal({ transactions: [null] }).message, 'transactions[0]: transaction cannot be null');
    assert.equal(refusal({ transactions: [plain(0, { amount: 'x' })] }).code, 'GEN_MALFORMED_REQUEST');
    assert.equal(refusal({ transactions: {} }).code, 'GEN_MALFORMED_REQUEST');
    assert.equal(refusal({ transactions: [plain(0)], skip_queue: 1 }).code, 'GEN_MALFORMED_REQUEST');
    assert.equal(parseBulkRequest({ transactions: Array(10_000).fill(plain(0)) }).items.length, 10_000);
  });

  test('the failure text names the item, 1-based, and says what became of the others', () => {
    const bulk = parseBulkRequest({
      transactions: [plain(0), plain(1, { amount: 12.5, precise_amount: undefined, precision: 100 })],
    });
    const plan = planBatch('bulk_x', bulk);
    const failure = bulkFailure(plan, plan.legs[1], 'insufficient funds in source balance');
    assert.equal(
      failure.message,
      `failed to queue transaction 2 (Reference: r1, Source: s, Destination: d1, Amount: 12.50): insufficient funds in source balance. ${NOT_ROLLED_BACK}`,
    );
    assert.equal(failure.code, 'TXN_INSUFFICIENT_FUNDS');
    assert.deepEqual(failure.body(), {
      error: failure.message,
      batch_id: 'bulk_x',
      error_detail: { code: 'TXN_INSUFFICIENT_FUNDS', message: failure.message, details: { batch_id: 'bulk_x' } },
    });
    const atomic = planBatch('bulk_y', { ...bulk, atomic: true });
    assert.ok(bulkFailure(atomic, atomic.legs[0], "balance with ID 'b' not found").message.endsWith(ROLLED_BACK));
    assert.equal(bulkFailure(atomic, atomic.legs[0], "balance with ID 'b' not found").code, 'TXN_NOT_FOUND');
    assert.equal(bulkFailure(atomic, atomic.legs[0], 'reference r0 has already been used').status, 409);
    assert.equal(bulkFailure(atomic, atomic.legs[0], 'transaction exceeds overdraft limit').code, 'GEN_BAD_REQUEST');
  });
});

describe('bulk plan', () => {
  const kinds = fc.array(fc.constantFrom('plain', 'split', 'atomic-split'), { minLength: 1, maxLength: 30 });
  test('units cover the legs in order; atomic is one unit; otherwise a unit never spans items', () => {
    fc.assert(
      fc.property(kinds, fc.boolean(), fc.boolean(), fc.boolean(), (list, atomic, skip_queue, inflight) => {
        const transactions = list.map((kind, i) => (kind === 'plain' ? plain(i) : split(i, kind === 'atomic-split')));
        const plan = planBatch('bulk_p', parseBulkRequest({ transactions, atomic, skip_queue, inflight }));
        assert.deepEqual(
          plan.units.flat(),
          plan.legs.map((_, i) => i),
        );
        if (atomic) assert.equal(plan.units.length, 1);
        for (const [u, unit] of plan.units.entries()) {
          for (const leg of unit) assert.equal(plan.legs[leg].unit, u);
          if (atomic) continue;
          const items = new Set(unit.map((leg) => plan.legs[leg].item));
          assert.equal(items.size, 1);
          const kind = list[plan.legs[unit[0]].item];
          assert.equal(unit.length, kind === 'split' ? 1 : kind === 'plain' ? 1 : 2);
        }
        for (const leg of plan.legs) {
          assert.equal(leg.request.meta_data?.sequence, leg.item + 1);
          assert.equal(leg.request.inflight, inflight);
          assert.equal(leg.request.skip_queue, skip_queue);
          if (list[leg.item] !== 'plain') assert.match(leg.request.reference, skip_queue ? /^r\d+-[12]$/ : /^r\d+_[12]$/);
        }
        assert.equal(plan.items.length, list.length);
      }),
    );
  });
});
