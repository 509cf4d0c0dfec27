// The one way money moves in memory. Every path that changes balances (the queued applier, every
// skip_queue path, refunds, inflight settlement) and every dry run hands its legs to `applyUnits`:
// units in order, each unit all or none, every leg checked in the same order, on balance states
// keyed by id. Pure: the engine locks and reads the states before, and writes them after.
import type { BalanceState } from './records.js';
import type { FundsRejection } from './funds.js';
import { settleHold, type InflightAction } from './inflight.js';
import { post, type Posting } from './posting.js';
import { ApiError } from '../errors.js';
import { INSUFFICIENT_FUNDS, rejectionText } from './funds.js';
import { transactionValidationError } from './transaction-request.js';
import type { TransactionRequest } from './transaction-request.js';
import {
  checkBounds,
  checkVersions,
  conditionError,
  type BalanceBound,
  type ConditionFailure,
  type PostingConditions,
} from './posting-conditions.js';

/** A transaction's conditions (posting-conditions.ts), carried by the legs that check them. */
export interface LegConditions {
  /** Checked before this leg posts: on the first leg of its transaction. */
  expected_versions?: Readonly<Record<string, number>>;
  /** Checked after this leg posts: on the last leg of its transaction. */
  balance_bounds?: Readonly<Record<string, BalanceBound>>;
  /** The balances of the whole transaction (locked with it): a condition may name only these. */
  own: readonly string[];
}

/** Moves `amount` from source to destination (as a hold when `inflight`), after the funds check. */
export interface PostLeg extends Omit<Posting, 'queued_debit_balance'> {
  kind: 'post';
  /** Refused when already used, or used by an applied leg earlier in the same run. */
  reference?: string;
  conditions?: LegConditions;
}

/** Commits or voids `amount` of a hold between source and destination (already planned: no check). */
export interface SettleLeg {
  kind: 'settle';
  source: string;
  destination: string;
  action: InflightAction;
  amount: bigint;
}

export type Leg = PostLeg | SettleLeg;

/** How each path words a refusal (an ApiError, a queue outcome's reason, a preview rejection). */
export interface Refusals<R> {
  funds(rejection: FundsRejection): R;
  duplicate(reference: string): R;
  sameBalance(): R;
  condition(failure: ConditionFailure): R;
}

export interface ApplyPolicy<R> {
  /**
   * `funds`: the funds check answers before the reference check (a single skip_queue transaction,
   * whose reference the insert checks); `references`: the reference first (batches, splits, queue).
   */
  check_first: 'funds' | 'references';
  refusals: Refusals<R>;
  /** References already used (in the database, or by what a preview projected before). */
  taken?: { has(reference: string): boolean };
}

export interface WorkingBalances {
  /** The live states, mutated by every applied leg. */
  states: Map<string, BalanceState>;
  /** Queued debits per source balance, counted by the funds check only when present. */
  queued_debits?: ReadonlyMap<string, bigint>;
}

export type UnitOutcome<R> = { applied: true } | { applied: false; /** which leg */ leg: number; refusal: R };

export interface ApplyResult<R> {
  /** One per unit, in order. */
  outcomes: UnitOutcome<R>[];
  /** The ids of the balances applied units changed. */
  changed: Set<string>;
}

function stateOf(working: WorkingBalances, key: string): BalanceState {
  const state = working.states.get(key);
  if (!state) throw new Error(`balance ${key} is not loaded`);
  return state;
}

function settle(working: WorkingBalances, leg: SettleLeg): void {
  const source = stateOf(working, leg.source);
  const destination = stateOf(working, leg.destination);
  const next = settleHold(source, destination, leg.action, leg.amount);
  Object.assign(source, next.source, { version: source.version + 1 });
  Object.assign(destination, next.destination, { version: destination.version + 1 });
}

/** Applies one leg, or returns why not; a refused leg may have moved money (the unit restores it). */
function applyLeg<R>(working: WorkingBalances, leg: Leg, policy: ApplyPolicy<R>, seen: ReadonlySet<string>): R | null {
  if (leg.kind === 'settle') {
    settle(working, leg);
    return null;
  }
  const { reference } = leg;
  const duplicate = reference !== undefined && (policy.taken?.has(reference) === true || seen.has(reference));
  if (duplicate && policy.check_first === 'references') return policy.refusals.duplicate(reference);
  if (leg.source === leg.destination) return policy.refusals.sameBalance();
  const { conditions } = leg;
  const stale = conditions?.expected_versions
    ? checkVersions(conditions.expected_versions, working.states, conditions.own)
    : null;
  if (stale) return policy.refusals.condition(stale);
  const rejection = post(working.states, { ...leg, queued_debit_balance: working.queued_debits?.get(leg.source) });
  if (rejection) return policy.refusals.funds(rejection);
  const outside = conditions?.balance_bounds ? checkBounds(conditions.balance_bounds, working.states, conditions.own) : null;
  if (outside) return policy.refusals.condition(outside);
  return duplicate ? policy.refusals.duplicate(reference) : null;
}

const copy = (state: BalanceState): BalanceState => ({ ...state });

/** Applies `units` in order on `working`: each unit whole, or not at all. */
export function applyUnits<R>(
  working: WorkingBalances,
  units: readonly (readonly Leg[])[],
  policy: ApplyPolicy<R>,
): ApplyResult<R> {
  const seen = new Set<string>();
  const changed = new Set<string>();
  const outcomes: UnitOutcome<R>[] = [];
  for (const unit of units) {
    const touched = [...new Set(unit.flatMap((leg) => [leg.source, leg.destination]))];
    const before = touched.map((key) => copy(stateOf(working, key)));
    const added: string[] = [];
    let outcome: UnitOutcome<R> = { applied: true };
    for (const [index, leg] of unit.entries()) {
      const refusal = applyLeg(working, leg, policy, seen);
      if (refusal !== null) {
        outcome = { applied: false, leg: index, refusal };
        break;
      }
      if (leg.kind === 'post' && leg.reference !== undefined) {
        seen.add(leg.reference);
        added.push(leg.reference);
      }
    }
    if (outcome.applied) for (const key of touched) changed.add(key);
    else {
      touched.forEach((key, i) => Object.assign(stateOf(working, key), before[i]));
      for (const reference of added) seen.delete(reference);
    }
    outcomes.push(outcome);
  }
  return { outcomes, changed };
}

/**
 * `legs` of one or more transactions, each leg given the conditions of its transaction (grouped by
 * the identity of `conditions`, which a split's legs share): the versions on the first leg, the
 * bounds on the last, every balance of the transaction as its own.
 */
export function withConditions(legs: readonly { leg: PostLeg; conditions: PostingConditions }[]): PostLeg[] {
  const groups = new Map<PostingConditions, number[]>();
  legs.forEach(({ conditions }, index) => {
    if (conditions.expected_versions === null && conditions.balance_bounds === null) return;
    const members = groups.get(conditions) ?? [];
    members.push(index);
    groups.set(conditions, members);
  });
  const result = legs.map(({ leg }) => ({ ...leg }));
  for (const [conditions, members] of groups) {
    const own = [...new Set(members.flatMap((i) => [result[i].source, result[i].destination]))];
    const first = members[0];
    const last = members[members.length - 1];
    result[first].conditions = { ...result[first].conditions, own };
    result[last].conditions = { ...result[last].conditions, own };
    if (conditions.expected_versions) result[first].conditions!.expected_versions = conditions.expected_versions;
    if (conditions.balance_bounds) result[last].conditions!.balance_bounds = conditions.balance_bounds;
  }
  return result;
}

/** A request's posting between its resolved balances, as a leg of the pipeline. */
function requestLeg(
  request: Pick<TransactionRequest, 'precise_amount' | 'inflight' | 'allow_overdraft' | 'overdraft_limit_precise'>,
  ids: { source: string; destination: string },
  reference?: string,
): PostLeg {
  return {
    kind: 'post',
    source: ids.source,
    destination: ids.destination,
    amount: request.precise_amount,
    inflight: request.inflight,
    allow_overdraft: request.allow_overdraft,
    overdraft_limit_precise: request.overdraft_limit_precise,
    reference,
  };
}

/**
 * The legs of whole transactions (a split's legs share their request's `conditions`): each a
 * `requestLeg`, carrying its transaction's conditions (apply-units.ts `withConditions`).
 */
export function requestLegs(
  entries: readonly { request: TransactionRequest; source: string; destination: string; reference?: string }[],
): PostLeg[] {
  return withConditions(
    entries.map((entry) => ({ leg: requestLeg(entry.request, entry, entry.reference), conditions: entry.request.conditions })),
  );
}

/** The skip_queue paths' answers: 400 TXN_INSUFFICIENT_FUNDS, or TXN_VALIDATION_ERROR past the overdraft limit. */
export const DIRECT_REFUSALS: Refusals<ApiError> = {
  funds: (rejection) =>
    new ApiError(rejection === INSUFFICIENT_FUNDS ? 'TXN_INSUFFICIENT_FUNDS' : 'TXN_VALIDATION_ERROR', rejectionText(rejection)),
  duplicate: (reference) => new ApiError('TXN_DUPLICATE_REFERENCE', `reference ${reference} has already been used`),
  sameBalance: () => transactionValidationError('source: source and destination cannot be the same balance.'),
  condition: conditionError,
};
