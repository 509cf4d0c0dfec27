// Inflight holds: how much of a hold is left, which commit or void is allowed and for how much, and
// what settling a hold does to the two balances (blnk-contract.md ledger §4.3, §4.6). Pure: no I/O.
//
// A hold is one INFLIGHT row (a "leg"). Commits are APPLIED children of that row, a void is a VOID
// child; so the remaining amount of a leg is its amount minus every child, whichever id of the group
// (queued create, split parent, bulk batch) the caller used to reach it.
import { ApiError } from '../errors.js';
import type { BalanceAmounts } from './records.js';

export type InflightAction = 'commit' | 'void';

export interface HoldLeg {
  transaction_id: string;
  currency: string;
  precise_amount: bigint;
  precision: bigint;
  /** Σ precise_amount of the leg's APPLIED children. */
  committed: bigint;
  /** Σ precise_amount of the leg's VOID children. */
  voided: bigint;
  /** A VOID child exists. */
  has_void: boolean;
}

/** One settlement to write: the child row of `leg` for `precise_amount`. */
export interface Settlement {
  leg: HoldLeg;
  action: InflightAction;
  precise_amount: bigint;
}

export function remainingOf(leg: HoldLeg): bigint {
  return leg.precise_amount - leg.committed - leg.voided;
}

/** `precise ÷ precision` with two decimals, rounded half away from zero (Go's `%.2f` of the float). */
export function formatTwoDecimals(precise: bigint, precision: bigint): string {
  const divisor = precision > 0n ? precision : 1n;
  const negative = precise < 0n;
  const magnitude = negative ? -precise : precise;
  const cents = (magnitude * 200n + divisor) / (2n * divisor);
  const text = `${cents / 100n}.${(cents % 100n).toString().padStart(2, '0')}`;
  return negative && cents !== 0n ? `-${text}` : text;
}

export const alreadyVoided = () => new ApiError('TXN_ALREADY_VOIDED', 'transaction has already been voided');
export const alreadyCommitted = (action: InflightAction) =>
  new ApiError('TXN_ALREADY_COMMITTED', `cannot ${action}. Transaction already committed`);
export const notInflight = () => new ApiError('TXN_NOT_INFLIGHT', 'transaction is not in inflight status');
export const invalidStatusAction = () =>
  new ApiError('TXN_INVALID_STATUS_ACTION', 'status not supported. use either commit or void');
export const preciseAmountNotPositive = () => new ApiError('TXN_INVALID_AMOUNT', 'precise_amount must be positive');

/** The amount one leg settles for `action`; `requested` null (or 0) means the whole remaining hold. */
export function planLeg(leg: HoldLeg, action: InflightAction, requested: bigint | null): bigint {
  if (leg.has_void) throw alreadyVoided();
  const remaining = remainingOf(leg);
  if (remaining <= 0n) throw alreadyCommitted(action);
  if (action === 'void' || requested === null || requested === 0n) return remaining;
  if (requested < 0n) throw new ApiError('TXN_INVALID_AMOUNT', 'commit amount cannot be negative');
  const money = (amount: bigint) => `${leg.currency}${formatTwoDecimals(amount, leg.precision)}`;
  if (requested > leg.precise_amount) {
    throw new ApiError(
      'TXN_COMMIT_AMOUNT_EXCEEDED',
      `cannot commit more than the original transaction amount. Original: ${money(leg.precise_amount)}, Requested: ${money(requested)}`,
    );
  }
  if (requested > remaining) {
    throw new ApiError(
      'TXN_COMMIT_AMOUNT_EXCEEDED',
      `cannot commit more than the remaining amount. Available: ${money(remaining)}, Requested: ${money(requested)}`,
    );
  }
  return requested;
}

/**
 * Settlements for every leg of a group. As in Blnk, a partial amount applies to each leg. Legs that
 * are already finished are skipped when another leg can still move; when none can, the first leg's
 * error is the answer. An amount error on a leg that can move refuses the whole group.
 */
export function planGroup(legs: readonly HoldLeg[], action: InflightAction, requested: bigint | null): Settlement[] {
  if (legs.length === 0) throw notInflight();
  const settlements: Settlement[] = [];
  let firstError: ApiError | undefined;
  for (const leg of legs) {
    if (leg.has_void || remainingOf(leg) <= 0n) {
      try {
        planLeg(leg, action, requested);
      } catch (error) {
        firstError ??= error as ApiError;
      }
      continue;
    }
    settlements.push({ leg, action, precise_amount: planLeg(leg, action, requested) });
  }
  if (settlements.length === 0) throw firstError ?? notInflight();
  return settlements;
}

function withNets(fields: BalanceAmounts): BalanceAmounts {
  return {
    ...fields,
    balance: fields.credit_balance - fields.debit_balance,
    inflight_balance: fields.inflight_credit_balance - fields.inflight_debit_balance,
  };
}

function release(have: bigint, need: bigint, side: 'debit' | 'credit', action: InflightAction): bigint {
  if (have < need) {
    throw new Error(`${action} inflight ${side} failed: insufficient inflight ${side} balance: have ${have}, need ${need}`);
  }
  return have - need;
}

/**
 * Settles `amount` of a hold from `source` to `destination` (§4.6): a commit moves it from the
 * inflight fields to the settled ones, a void only releases the inflight fields.
 */
export function settleHold<T extends BalanceAmounts>(
  source: T,
  destination: T,
  action: InflightAction,
  amount: bigint,
): { source: T; destination: T } {
  if (amount <= 0n) throw new Error(`settlement amount must be positive, got ${amount}`);
  const settled = action === 'commit' ? amount : 0n;
  return {
    source: {
      ...source,
      ...withNets({
        ...source,
        inflight_debit_balance: release(source.inflight_debit_balance, amount, 'debit', action),
        debit_balance: source.debit_balance + settled,
      }),
    },
    destination: {
      ...destination,
      ...withNets({
        ...destination,
        inflight_credit_balance: release(destination.inflight_credit_balance, amount, 'credit', action),
        credit_balance: destination.credit_balance + settled,
      }),
    },
  };
}
