// The one posting step (src/ledger/apply-units.ts) every path that moves money runs: units apply
// whole or not at all, money is neither made nor lost, the double-entry identities hold after every
// run, references are single-use, and the check order decides only which refusal is reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { BalanceState } from '../../src/ledger/records.js';
import { balanceStates, KEYS, state } from '../support/balance-states.js';
import { post } from '../../src/ledger/posting.js';
import { applyUnits, withConditions, type ApplyPolicy, type PostLeg, type Refusals } from '../../src/ledger/apply-units.js';

const states = balanceStates(10n ** 6n);
const leg: fc.Arbitrary<PostLeg> = fc.record({
  kind: fc.constant('post' as const),
  source: fc.constantFrom(...KEYS),
  destination: fc.constantFrom(...KEYS),
  amount: fc.bigInt({ min: 1n, max: 10n ** 6n }),
  inflight: fc.boolean(),
  allow_overdraft: fc.boolean(),
  overdraft_limit_precise: fc.constantFrom(0n, 0n, 10n ** 5n),
  reference: fc.option(fc.constantFrom('r1', 'r2', 'r3', 'r4'), { nil: undefined }),
});
const units = fc.array(fc.array(leg, { minLength: 1, maxLength: 4 }), { maxLength: 8 });
const taken = fc.subarray(['r1', 'r2', 'r3', 'r4']).map((list) => new Set(list));

const refusals: Refusals<string> = {
  funds: (rejection) => `funds: ${rejection}`,
  duplicate: (reference) => `duplicate: ${reference}`,
  sameBalance: () => 'same balance',
  condition: (failure) => `condition: ${failure.kind}`,
};

const working = (initial: readonly BalanceState[]) => ({ states: new Map(initial.map((s) => [s.balance_id, { ...s }])) });
const total = (map: ReadonlyMap<string, BalanceState>, field: 'balance' | 'inflight_balance') =>
  [...map.values()].reduce((sum, s) => sum + s[field], 0n);

/** The same semantics written the plain way: each unit on a copy, kept only when every leg posts. */
function model(initial: readonly BalanceState[], list: readonly (readonly PostLeg[])[], used: ReadonlySet<string>) {
  let current = working(initial).states;
  const seen = new Set(used);
  const applied = list.map((unit) => {
    const trial = new Map([...current].map(([key, s]) => [key, { ...s }]));
    const references = new Set(seen);
    for (const l of unit) {
      if (l.reference !== undefined && references.has(l.reference)) return false;
      if (l.source === l.destination || post(trial, l) !== null) return false;
      if (l.reference !== undefined) references.add(l.reference);
    }
    current = trial;
    for (const r of references) seen.add(r);
    return true;
  });
  return { states: current, applied };
}

for (const check_first of ['funds', 'references'] as const) {
  test(`units apply whole or not at all, as the plain model does (${check_first} first)`, () => {
    fc.assert(
      fc.property(states, units, taken, (initial, list, used) => {
        const set = working(initial);
        const policy: ApplyPolicy<string> = { check_first, refusals, taken: used };
        const { outcomes, changed } = applyUnits(set, list, policy);
        const expected = model(initial, list, used);
        assert.deepEqual(
          outcomes.map((o) => o.applied),
          expected.applied,
        );
        assert.deepEqual(set.states, expected.states);
        // Money is conserved and the identities hold.
        assert.equal(total(set.states, 'balance'), total(working(initial).states, 'balance'));
        assert.equal(total(set.states, 'inflight_balance'), total(working(initial).states, 'inflight_balance'));
        for (const s of set.states.values()) {
          assert.equal(s.balance, s.credit_balance - s.debit_balance);
          assert.equal(s.inflight_balance, s.inflight_credit_balance - s.inflight_debit_balance);
        }
        // `changed` names exactly the balances of applied units.
        const touched = new Set(
          list.flatMap((unit, u) => (outcomes[u].applied ? unit.flatMap((l) => [l.source, l.destination]) : [])),
        );
        assert.deepEqual(changed, touched);
      }),
    );
  });
}

test('the check order decides only which refusal is reported, never what applies', () => {
  fc.assert(
    fc.property(states, units, taken, (initial, list, used) => {
      const funds = working(initial);
      const references = working(initial);
      const a = applyUnits(funds, list, { check_first: 'funds', refusals, taken: used });
      const b = applyUnits(references, list, { check_first: 'references', refusals, taken: used });
      assert.deepEqual(funds.states, references.states);
      assert.deepEqual(
        a.outcomes.map((o) => o.applied),
        b.outcomes.map((o) => o.applied),
      );
    }),
  );
});

test('a duplicate that also lacks funds is refused for funds first, or for its reference first', () => {
  const initial = [state('a', 0n, 0n, 0n), state('b', 0n, 0n, 0n)];
  const unit: PostLeg[] = [
    {
      kind: 'post',
      source: 'a',
      destination: 'b',
      amount: 5n,
      inflight: false,
      allow_overdraft: false,
      overdraft_limit_precise: 0n,
      reference: 'r',
    },
  ];
  const funds = applyUnits(working(initial), [unit], { check_first: 'funds', refusals, taken: new Set(['r']) });
  const references = applyUnits(working(initial), [unit], { check_first: 'references', refusals, taken: new Set(['r']) });
  assert.deepEqual(funds.outcomes, [{ applied: false, leg: 0, refusal: 'funds: insufficient funds in source balance' }]);
  assert.deepEqual(references.outcomes, [{ applied: false, leg: 0, refusal: 'duplicate: r' }]);
});

test('a refused unit frees its references for the units after it', () => {
  const initial = [state('a', 10n, 0n, 0n), state('b', 0n, 0n, 0n)];
  const move = (amount: bigint, reference: string): PostLeg => ({
    kind: 'post',
    source: 'a',
    destination: 'b',
    amount,
    inflight: false,
    allow_overdraft: false,
    overdraft_limit_precise: 0n,
    reference,
  });
  const list = [[move(1n, 'x'), move(100n, 'y')], [move(1n, 'x')], [move(100n, 'z')], [move(1n, 'w')]];
  const run = applyUnits(working(initial), list, { check_first: 'references', refusals });
  assert.deepEqual(
    run.outcomes.map((o) => o.applied),
    [false, true, false, true],
  );
  assert.deepEqual(run.outcomes[0], { applied: false, leg: 1, refusal: 'funds: insufficient funds in source balance' });
});

test('a settle leg commits a hold: the held amount moves and both versions step once', () => {
  const source = { ...state('a', 10n, 0n, 4n) };
  const destination = { ...state('b', 0n, 0n, 0n), inflight_credit_balance: 4n, inflight_balance: 4n };
  const set = working([source, destination]);
  const { outcomes } = applyUnits(set, [[{ kind: 'settle', source: 'a', destination: 'b', action: 'commit', amount: 3n }]], {
    check_first: 'references',
    refusals,
  });
  assert.deepEqual(outcomes, [{ applied: true }]);
  assert.deepEqual(set.states.get('a'), { ...state('a', 10n, 3n, 1n), version: 2 });
  assert.equal(set.states.get('b')!.credit_balance, 3n);
  assert.equal(set.states.get('b')!.inflight_credit_balance, 1n);
  assert.equal(set.states.get('b')!.version, 2);
});

test('a transaction with conditions applies exactly when its versions match before and its bounds hold after', () => {
  const bound = fc.record({
    min: fc.option(fc.bigInt({ min: -(10n ** 6n), max: 10n ** 6n }), { nil: null }),
    max: fc.option(fc.bigInt({ min: -(10n ** 6n), max: 10n ** 6n }), { nil: null }),
  });
  fc.assert(
    fc.property(
      states,
      fc.array(leg, { minLength: 1, maxLength: 3 }),
      fc.dictionary(fc.constantFrom(...KEYS), fc.integer({ min: 0, max: 2 })),
      fc.dictionary(fc.constantFrom(...KEYS), bound),
      (initial, legs, versions, bounds) => {
        const conditions = {
          expected_versions: Object.keys(versions).length > 0 ? versions : null,
          balance_bounds: Object.keys(bounds).length > 0 ? bounds : null,
        };
        const unit = withConditions(legs.map((l) => ({ leg: { ...l, reference: undefined }, conditions })));
        const set = working(initial);
        const [outcome] = applyUnits(set, [unit], { check_first: 'references', refusals }).outcomes;
        const own = new Set(legs.flatMap((l) => [l.source, l.destination]));
        const plain = model(initial, [legs.map((l) => ({ ...l, reference: undefined }))], new Set());
        const versionsHold = Object.entries(versions).every(
          ([id, v]) => own.has(id) && initial.find((s) => s.balance_id === id)!.version === v,
        );
        const boundsHold = Object.entries(bounds).every(
          ([id, { min, max }]) =>
            own.has(id) &&
            (min === null || plain.states.get(id)!.balance >= min) &&
            (max === null || plain.states.get(id)!.balance <= max),
        );
        assert.equal(outcome.applied, plain.applied[0] && versionsHold && boundsHold);
        assert.deepEqual(set.states, outcome.applied ? plain.states : working(initial).states);
      },
    ),
  );
});
