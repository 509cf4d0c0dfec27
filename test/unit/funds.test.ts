import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkFunds, INSUFFICIENT_FUNDS, OVERDRAFT_LIMIT_EXCEEDED } from '../../src/ledger/funds.js';
import { post } from '../../src/ledger/posting.js';
import { assertBalanceInvariants } from '../../src/db/balances.js';
import type { BalanceState } from '../../src/ledger/records.js';

const money = fc.bigInt({ min: 0n, max: 10n ** 30n });
const positive = fc.bigInt({ min: 1n, max: 10n ** 30n });

test('available funds cover the amount: accepted', () => {
  fc.assert(
    fc.property(money, money, positive, fc.boolean(), money, (balance, held, amount, allow, limit) => {
      fc.pre(balance - held >= amount);
      assert.equal(
        checkFunds({ balance, inflight_debit_balance: held }, amount, { allow_overdraft: allow, overdraft_limit_precise: limit }),
        null,
      );
    }),
  );
});

test('without overdraft, never more than the available funds', () => {
  fc.assert(
    fc.property(money, money, positive, (balance, held, amount) => {
      const result = checkFunds({ balance, inflight_debit_balance: held }, amount, {
        allow_overdraft: false,
        overdraft_limit_precise: 0n,
      });
      assert.equal(result, balance - held >= amount ? null : INSUFFICIENT_FUNDS);
    }),
  );
});

test('allow_overdraft without a limit: always accepted', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), money, positive, (balance, held, amount) => {
      assert.equal(
        checkFunds({ balance, inflight_debit_balance: held }, amount, { allow_overdraft: true, overdraft_limit_precise: 0n }),
        null,
      );
    }),
  );
});

test('a positive limit bounds the overdraft, with or without allow_overdraft', () => {
  fc.assert(
    fc.property(
      fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }),
      money,
      positive,
      positive,
      fc.boolean(),
      (balance, held, amount, limit, allow) => {
        const result = checkFunds({ balance, inflight_debit_balance: held }, amount, {
          allow_overdraft: allow,
          overdraft_limit_precise: limit,
        });
        const after = balance - held - amount;
        if (after >= 0n || after >= -limit) assert.equal(result, null);
        else assert.equal(result, OVERDRAFT_LIMIT_EXCEEDED);
      },
    ),
  );
});

test('queued debits reduce available funds when counted', () => {
  assert.equal(
    checkFunds({ balance: 100n, inflight_debit_balance: 0n, queued_debit_balance: 50n }, 60n, {
      allow_overdraft: false,
      overdraft_limit_precise: 0n,
    }),
    INSUFFICIENT_FUNDS,
  );
  assert.equal(
    checkFunds({ balance: 100n, inflight_debit_balance: 40n }, 60n, { allow_overdraft: false, overdraft_limit_precise: 0n }),
    null,
  );
});

function state(id: string, balance: bigint): BalanceState {
  return {
    balance_id: id,
    balance,
    credit_balance: balance,
    debit_balance: 0n,
    inflight_balance: 0n,
    inflight_credit_balance: 0n,
    inflight_debit_balance: 0n,
    version: 1,
  };
}

test('any sequence of postings keeps double entry and never overdraws without permission', () => {
  const ids = ['a', 'b', 'c', 'd'];
  const step = fc.record({
    from: fc.integer({ min: 0, max: 3 }),
    to: fc.integer({ min: 0, max: 3 }),
    amount: fc.bigInt({ min: 1n, max: 1000n }),
    inflight: fc.boolean(),
    allow: fc.boolean(),
  });
  fc.assert(
    fc.property(
      fc.array(step, { maxLength: 60 }),
      fc.array(fc.bigInt({ min: 0n, max: 3000n }), { minLength: 4, maxLength: 4 }),
      (steps, opening) => {
        const balances = new Map(ids.map((id, i) => [id, state(id, opening[i])]));
        const total = opening.reduce((a, b) => a + b, 0n);
        for (const s of steps) {
          if (s.from === s.to) continue;
          const before = balances.get(ids[s.from])!.balance - balances.get(ids[s.from])!.inflight_debit_balance;
          const result = post(balances, {
            source: ids[s.from],
            destination: ids[s.to],
            amount: s.amount,
            inflight: s.inflight,
            allow_overdraft: s.allow,
            overdraft_limit_precise: 0n,
          });
          if (!s.allow) assert.equal(result === null, before >= s.amount);
        }
        let sum = 0n;
        let inflightSum = 0n;
        for (const b of balances.values()) {
          assert.equal(b.balance, b.credit_balance - b.debit_balance);
          assert.equal(b.inflight_balance, b.inflight_credit_balance - b.inflight_debit_balance);
          sum += b.balance;
          inflightSum += b.inflight_balance;
        }
        assert.equal(sum, total);
        assert.equal(inflightSum, 0n);
      },
    ),
  );
});

describe('balance invariants before a write', () => {
  const state = {
    balance_id: 'bln_x',
    balance: 5n,
    credit_balance: 7n,
    debit_balance: 2n,
    inflight_balance: -1n,
    inflight_credit_balance: 0n,
    inflight_debit_balance: 1n,
    version: 3,
  };
  test('a consistent state passes; a broken net or inflight net is refused with the balance named', () => {
    assert.doesNotThrow(() => assertBalanceInvariants({ ...state } as BalanceState));
    assert.throws(
      () => assertBalanceInvariants({ ...state, balance: 6n } as BalanceState),
      /bln_x: balance != credit_balance - debit_balance/,
    );
    assert.throws(() => assertBalanceInvariants({ ...state, inflight_balance: 0n } as BalanceState), /bln_x: inflight_balance/);
  });
});
