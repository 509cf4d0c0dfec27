// A queued transaction's conditions travel in its queue row's payload (JSON: amounts as decimal
// text), from the accepting transaction to the applier that checks them.
import type { StoredConditions } from '../../db/transaction-queue.js';
import type { LegConditions } from '../../ledger/apply-units.js';
import type { BalanceBound } from '../../ledger/posting-conditions.js';

const text = (amount: bigint | null) => (amount === null ? null : amount.toString());
const amount = (stored: string | null) => (stored === null ? null : BigInt(stored));

export function storeConditions(conditions: LegConditions): StoredConditions {
  const stored: StoredConditions = { own: [...conditions.own] };
  if (conditions.expected_versions) stored.expected_versions = { ...conditions.expected_versions };
  if (conditions.balance_bounds) {
    stored.balance_bounds = Object.fromEntries(
      Object.entries(conditions.balance_bounds).map(([id, { min, max }]) => [id, { min: text(min), max: text(max) }]),
    );
  }
  return stored;
}

export function loadConditions(stored: StoredConditions): LegConditions {
  const conditions: LegConditions = { own: stored.own };
  if (stored.expected_versions) conditions.expected_versions = stored.expected_versions;
  if (stored.balance_bounds) {
    conditions.balance_bounds = Object.fromEntries(
      Object.entries(stored.balance_bounds).map(([id, { min, max }]): [string, BalanceBound] => [
        id,
        { min: amount(min), max: amount(max) },
      ]),
    );
  }
  return conditions;
}
