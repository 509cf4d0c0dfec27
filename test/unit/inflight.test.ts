import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ApiError } from '../../src/errors.js';
import { formatTwoDecimals, planGroup, planLeg, remainingOf, settleHold, type HoldLeg } from '../../src/ledger/inflight.js';
import type { BalanceAmounts } from '../../src/ledger/records.js';

function leg(precise_amount: bigint, extra: Partial<HoldLeg> = {}): HoldLeg {
  return {
    transaction_id: 'txn_1',
    currency: 'USD',
    precise_amount,
    precision: 100n,
    committed: 0n,
    voided: 0n,
    has_void: false,
    ...extra,
  };
}

function refusal(work: () => unknown): ApiError {
  try {
    work();
  } catch (error) {
    assert.ok(error instanceof ApiError, String(error));
    return error;
  }
  assert.fail('expected a refusal');
}

const zero: BalanceAmounts = {
  balance: 0n,
  credit_balance: 0n,
  debit_balance: 0n,
  inflight_balance: 0n,
  inflight_credit_balance: 0n,
  inflight_debit_balance: 0n,
};

test('amount messages carry Blnk exact texts', () => {
  const hold = leg(10000n, { committed: 4000n });
  const remaining = refusal(() => planLeg(hold, 'commit', 7000n));
  assert.equal(remaining.code, 'TXN_COMMIT_AMOUNT_EXCEEDED');
  assert.equal(remaining.message, 'cannot commit more than the remaining amount. Available: USD60.00, Requested: USD70.00');
  const original = refusal(() => planLeg(hold, 'commit', 11000n));
  assert.equal(
    original.message,
    'cannot commit more than the original transaction amount. Original: USD100.00, Requested: USD110.00',
  );
  assert.equal(refusal(() => planLeg(hold, 'commit', -1n)).code, 'TXN_INVALID_AMOUNT');
});

test('finished holds answer with the state they are in', () => {
  const committed = leg(100n, { committed: 100n });
  assert.equal(refusal(() => planLeg(committed, 'commit', null)).message, 'cannot commit. Transaction already committed');
  const voidRefusal = refusal(() => planLeg(committed, 'void', null));
  assert.equal(voidRefusal.code, 'TXN_ALREADY_COMMITTED');
  assert.equal(voidRefusal.message, 'cannot void. Transaction already committed');
  const voided = leg(100n, { committed: 30n, voided: 70n, has_void: true });
  for (const action of ['commit', 'void'] as const) {
    const error = refusal(() => planLeg(voided, action, null));
    assert.equal(error.code, 'TXN_ALREADY_VOIDED');
    assert.equal(error.message, 'transaction has already been voided');
  }
  assert.equal(refusal(() => planGroup([], 'commit', null)).code, 'TXN_NOT_INFLIGHT');
});

test('a void releases what is left, ignoring any amount', () => {
  assert.equal(planLeg(leg(10000n, { committed: 3000n }), 'void', 5n), 7000n);
});

test('a group skips finished legs and fails only when none can move', () => {
  const done = leg(100n, { transaction_id: 'txn_a', committed: 100n });
  const open = leg(200n, { transaction_id: 'txn_b' });
  const plan = planGroup([done, open], 'commit', null);
  assert.deepEqual(
    plan.map((s) => [s.leg.transaction_id, s.precise_amount]),
    [['txn_b', 200n]],
  );
  assert.equal(refusal(() => planGroup([done], 'void', null)).code, 'TXN_ALREADY_COMMITTED');
  assert.equal(refusal(() => planGroup([done, open], 'commit', 300n)).code, 'TXN_COMMIT_AMOUNT_EXCEEDED');
});

test('two decimals round half away from zero', () => {
  assert.equal(formatTwoDecimals(10025n, 100n), '100.25');
  assert.equal(formatTwoDecimals(1005n, 1000n), '1.01');
  assert.equal(formatTwoDecimals(42n, 1n), '42.00');
  assert.equal(formatTwoDecimals(-1005n, 1000n), '-1.01');
});

type Step = { action: 'commit' | 'void'; amount: bigint | null };

const steps = fc.array(
  fc.record({
    action: fc.constantFrom<'commit' | 'void'>('commit', 'commit', 'commit', 'void'),
    amount: fc.option(fc.bigInt({ min: 0n, max: 2000n }), { nil: null }),
  }),
  { maxLength: 12 },
);

test('property: commits never exceed the hold, fields stay non-negative and nets hold', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 1n, max: 1500n }), fc.bigInt({ min: 0n, max: 5000n }), steps, (amount, funds, plan: Step[]) => {
      // The source has `funds` settled, then places a hold of `amount`.
      let source: BalanceAmounts = { ...zero, credit_balance: funds, balance: funds };
      let destination: BalanceAmounts = { ...zero };
      source = { ...source, inflight_debit_balance: amount, inflight_balance: -amount };
      destination = { ...destination, inflight_credit_balance: amount, inflight_balance: amount };
      const hold = leg(amount);
      for (const step of plan) {
        let settled: bigint;
        try {
          settled = planLeg(hold, step.action, step.amount);
        } catch (error) {
          assert.ok(error instanceof ApiError);
          continue;
        }
        assert.ok(settled > 0n && settled <= remainingOf(hold));
        ({ source, destination } = settleHold(source, destination, step.action, settled));
        if (step.action === 'commit') hold.committed += settled;
        else {
          hold.voided += settled;
          hold.has_void = true;
        }
      }
      assert.ok(hold.committed + hold.voided <= hold.precise_amount);
      assert.equal(remainingOf(hold), source.inflight_debit_balance);
      assert.equal(remainingOf(hold), destination.inflight_credit_balance);
      assert.equal(source.debit_balance, hold.committed);
      assert.equal(destination.credit_balance, hold.committed);
      for (const b of [source, destination]) {
        for (const field of ['credit_balance', 'debit_balance', 'inflight_credit_balance', 'inflight_debit_balance'] as const) {
          assert.ok(b[field] >= 0n, field);
        }
        assert.equal(b.balance, b.credit_balance - b.debit_balance);
        assert.equal(b.inflight_balance, b.inflight_credit_balance - b.inflight_debit_balance);
      }
      assert.equal(source.balance + destination.balance, funds);
      assert.equal(source.inflight_balance + destination.inflight_balance, 0n);
    }),
  );
});

test('settling more than is held is an invariant failure, never a negative field', () => {
  assert.throws(
    () => settleHold({ ...zero, inflight_debit_balance: 5n }, { ...zero, inflight_credit_balance: 5n }, 'commit', 6n),
    /commit inflight debit failed: insufficient inflight debit balance: have 5, need 6/,
  );
});
