// The dry-run projection (src/ledger/preview.ts): projecting postings onto a working set gives
// exactly the states the real posting rule gives, a refused posting changes nothing, and a scope
// restores precisely what it touched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { balanceStates, KEYS, state } from '../support/balance-states.js';
import { post } from '../../src/ledger/posting.js';
import { projectLeg, WorkingSet } from '../../src/ledger/preview.js';

const states = balanceStates(10n ** 20n);
const postings = fc.array(
  fc.record({
    source: fc.constantFrom(...KEYS),
    destination: fc.constantFrom(...KEYS),
    amount: fc.bigInt({ min: 1n, max: 10n ** 20n }),
    inflight: fc.boolean(),
    allow_overdraft: fc.boolean(),
    overdraft_limit_precise: fc.constantFrom(0n, 0n, 10n ** 18n),
  }),
  { maxLength: 12 },
);

test('projected postings end in the states the real posting rule produces, in order', () => {
  fc.assert(
    fc.property(states, postings, (initial, sequence) => {
      const real = new Map(initial.map((s) => [s.balance_id, { ...s }]));
      const set = new WorkingSet();
      for (const s of initial) set.add(s.balance_id, { balance_id: s.balance_id, currency: 'USD', virtual: false }, s);
      const scope = set.scope();
      for (const posting of sequence) {
        const projected = projectLeg(set, scope, { kind: 'post', ...posting });
        if (posting.source === posting.destination) {
          assert.equal(projected?.code, 'TXN_VALIDATION_ERROR');
          continue;
        }
        const outcome = post(real, posting);
        assert.equal(projected === null, outcome === null);
        if (outcome) assert.equal(projected!.message, `failed to apply transaction to balances: ${outcome}`);
      }
      for (const key of KEYS) assert.deepEqual(set.states.get(key), real.get(key));
      // The projections report the same resulting amounts, as exact strings.
      for (const projection of scope.projections()) {
        const now = real.get(projection.balance_id)!;
        assert.equal(projection.resulting_balance, now.balance.toString());
        assert.equal(projection.resulting_available, (now.balance - now.inflight_debit_balance).toString());
      }
    }),
  );
});

test('restoring a scope puts back exactly the states before it, and the inputs were never touched', () => {
  fc.assert(
    fc.property(states, postings, (initial, sequence) => {
      const snapshot = initial.map((s) => ({ ...s }));
      const set = new WorkingSet();
      for (const s of initial) set.add(s.balance_id, { balance_id: s.balance_id, currency: 'USD', virtual: false }, s);
      const scope = set.scope();
      for (const posting of sequence) projectLeg(set, scope, { kind: 'post', ...posting });
      scope.restore();
      for (const s of snapshot) assert.deepEqual(set.states.get(s.balance_id), s);
      assert.deepEqual(initial, snapshot);
      for (const projection of scope.projections()) assert.equal(projection.resulting_balance, projection.current_balance);
    }),
  );
});

test('money stays exact past 2^53 in the strings', () => {
  const big = 123456789012345678901234567890n;
  const set = new WorkingSet();
  set.add('a', { balance_id: 'a', currency: 'USD', virtual: false }, state('a', big, 0n, 0n));
  set.add('b', { balance_id: 'b', currency: 'USD', virtual: true }, state('b', 0n, 0n, 0n));
  const scope = set.scope();
  assert.equal(
    projectLeg(set, scope, {
      kind: 'post',
      source: 'a',
      destination: 'b',
      amount: big - 1n,
      inflight: false,
      allow_overdraft: false,
      overdraft_limit_precise: 0n,
    }),
    null,
  );
  const [a, b] = scope.projections();
  assert.equal(a.current_balance, big.toString());
  assert.equal(a.resulting_balance, '1');
  assert.equal(b.resulting_credit_balance, (big - 1n).toString());
  assert.equal(b.virtual, true);
  assert.equal(a.virtual, undefined);
});
