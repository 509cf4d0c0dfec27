// The one way money moves in memory. Every path that changes balances (the queued applier, every
// skip_queue path, refunds, inflight settlement) and every dry run hands its legs to `applyUnits`:
// units in order, each unit all or none, every leg checked in the same order, on balance states
// keyed by id. Pure: the engine locks and reads the states before, and writes them after.
import type { BalanceState } from './records.js';
import type { FundsRejection } from './funds.js';
import { settleHold, type InflightAction } from './inflight.js';
import { post } from './posting.js';

/** Moves `amount` from source to destination (as a hold when `inflight`), after the funds check. */
export interface PostLeg {
  kind: 'post';
  source: string;
  destination: string;
  amount: bigint;
  inflight: boolean;
  allow_overdraft: boolean;
  overdraft_limit_precise: bigint;
  /** Refused when already used, or used by an applied leg earlier in the same run. */
  reference?: string;
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
}

export interface ApplyPolicy<R> {
  /**
   * `funds`: the funds check answers before the reference check (a single skip_queue transaction,
   * whose reference the insert checks); `references`: the reference first (batches, splits, queue).
   */
  check_first: 'funds' | 'references';
  refusals: Refusals<R>;
  /** References already used in the database. */
  taken?: ReadonlySet<string>;
  /** A refused unit ends the run: later units are not tried (their outcome is undefined). */
  stop_at_refusal?: boolean;
}

export interface WorkingBalances {
  /** The live states, mutated by every applied leg. */
  states: Map<string, BalanceState>;
  /** Queued debits per source balance, counted by the funds check only when present. */
  queued_debits?: ReadonlyMap<string, bigint>;
}

export type UnitOutcome<R> = { applied: true } | { applied: false; /** which leg */ leg: number; refusal: R };

export interface ApplyResult<R> {
  /** One per unit, in order; undefined for the units after a stop. */
  outcomes: (UnitOutcome<R> | undefined)[];
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
  const rejection = post(working.states, { ...leg, queued_debit_balance: working.queued_debits?.get(leg.source) });
  if (rejection) return policy.refusals.funds(rejection);
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
  const outcomes: (UnitOutcome<R> | undefined)[] = [];
  let stopped = false;
  for (const unit of units) {
    if (stopped) {
      outcomes.push(undefined);
      continue;
    }
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
      stopped = policy.stop_at_refusal === true;
    }
    outcomes.push(outcome);
  }
  return { outcomes, changed };
}
