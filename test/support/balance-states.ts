// Balance states for the property tests of the posting step and the dry-run projection: four
// balances with arbitrary credits, debits and holds, up to `amount_max` minor units each.
import fc from 'fast-check';
import type { BalanceState } from '../../src/ledger/records.js';

export const KEYS = ['a', 'b', 'c', 'd'];

export const state = (balance_id: string, credit: bigint, debit: bigint, held: bigint): BalanceState => ({
  balance_id,
  balance: credit - debit,
  credit_balance: credit,
  debit_balance: debit,
  inflight_balance: -held,
  inflight_credit_balance: 0n,
  inflight_debit_balance: held,
  version: 1,
});

export function balanceStates(amount_max: bigint) {
  const amounts = fc.bigInt({ min: 0n, max: amount_max });
  return fc.tuple(...KEYS.map((key) => fc.tuple(amounts, amounts, amounts).map(([c, d, h]) => state(key, c, d, h))));
}
