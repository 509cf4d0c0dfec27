// Dry runs (blnk-contract.md ledger §8.4): transactions projected onto working copies of balances with the
// very step a real post uses (`applyUnits` of apply-units.ts), so a preview
// cannot disagree with the real answer. Pure: the engine reads the balances, this module decides.
import type { BalanceState } from './records.js';
import type { ApiError } from '../errors.js';
import type { ExactNumber } from '../json.js';
import { INSUFFICIENT_FUNDS, rejectionText, type FundsRejection } from './funds.js';
import { conditionError } from './posting-conditions.js';
import { applyUnits, type ApplyPolicy, type Leg, type Refusals } from './apply-units.js';

export type PreviewRole = 'source' | 'destination';
export type RejectionReason = 'insufficient_funds' | 'overdraft_limit' | 'lock_contention' | 'max_retries' | 'other';

export interface PreviewRejection {
  /** The code a real request would answer with (TXN_INSUFFICIENT_FUNDS, ...). */
  code: string;
  reason: RejectionReason;
  message: string;
}

/** One balance before and after, every amount an exact integer string. */
export interface BalanceProjection {
  balance_id: string;
  role: PreviewRole;
  currency: string;
  virtual?: true;
  current_balance: string;
  current_available: string;
  current_credit_balance: string;
  current_debit_balance: string;
  current_inflight_debit_balance: string;
  current_inflight_credit_balance: string;
  resulting_balance: string;
  resulting_available: string;
  resulting_credit_balance: string;
  resulting_debit_balance: string;
  resulting_inflight_debit_balance: string;
  resulting_inflight_credit_balance: string;
}

export interface LegProjection {
  identifier: string;
  role: PreviewRole;
  precise_amount: string;
  amount: ExactNumber;
}

export interface TransactionPreview {
  dry_run: true;
  would_apply: boolean;
  rejection?: PreviewRejection;
  operation?: 'commit' | 'void';
  /** The would-be status; dropped by `finishPreview` when the preview would not apply. */
  status?: string;
  reference?: string;
  currency: string;
  amount: ExactNumber;
  precise_amount: string;
  precision: bigint;
  balances: BalanceProjection[];
  legs?: LegProjection[];
  notes: string[];
}

export interface BulkPreview {
  dry_run: true;
  would_apply: boolean;
  cumulative: boolean;
  atomic: boolean;
  results: TransactionPreview[];
  /** The batch's combined effect; only when cumulative. */
  balances?: BalanceProjection[];
  notes: string[];
}

function classify(message: string): RejectionReason {
  const text = message.toLowerCase();
  if (text.includes('insufficient funds')) return 'insufficient_funds';
  if (text.includes('overdraft limit')) return 'overdraft_limit';
  if (text.includes('lock')) return 'lock_contention';
  if (text.includes('max retr')) return 'max_retries';
  return 'other';
}

/** A refusal of the real path as a preview rejection, with the code the real path answers with. */
export function rejectionOf(error: ApiError, code: string = error.code): PreviewRejection {
  return {
    code,
    reason: error.code === 'GEN_RESOURCE_LOCKED' ? 'lock_contention' : classify(error.message),
    message: error.message,
  };
}

export function fundsRejection(rejection: FundsRejection): PreviewRejection {
  return rejection === INSUFFICIENT_FUNDS
    ? { code: 'TXN_INSUFFICIENT_FUNDS', reason: 'insufficient_funds', message: rejectionText(rejection) }
    : { code: 'TXN_VALIDATION_ERROR', reason: 'overdraft_limit', message: rejectionText(rejection) };
}

export const duplicateReferenceRejection = (reference: string): PreviewRejection => ({
  code: 'TXN_DUPLICATE_REFERENCE',
  reason: 'other',
  message: `transaction validation failed: reference ${reference} has already been used`,
});

export const sameBalanceRejection = (): PreviewRejection => ({
  code: 'TXN_VALIDATION_ERROR',
  reason: 'other',
  message: 'source: source and destination cannot be the same balance.',
});

/** A balance a preview works on. */
export interface WorkingBalance {
  /** What is shown as `balance_id`: the id, or the indicator of a balance a real post would create. */
  balance_id: string;
  currency: string;
  virtual: boolean;
  /** Counted in `available` (and by the funds check) only when `enable_queued_checks` is on. */
  queued_debit_balance?: bigint;
}

const copy = (state: BalanceState): BalanceState => ({ ...state });

/** `available` as the funds check sees it (§5.1). */
export function availableOf(state: BalanceState, queued_debit_balance: bigint | undefined): bigint {
  return state.balance - state.inflight_debit_balance - (queued_debit_balance ?? 0n);
}

export function balanceProjection(
  working: WorkingBalance,
  role: PreviewRole,
  before: BalanceState,
  after: BalanceState,
): BalanceProjection {
  const projection: BalanceProjection = {
    balance_id: working.balance_id,
    role,
    currency: working.currency,
    current_balance: before.balance.toString(),
    current_available: availableOf(before, working.queued_debit_balance).toString(),
    current_credit_balance: before.credit_balance.toString(),
    current_debit_balance: before.debit_balance.toString(),
    current_inflight_debit_balance: before.inflight_debit_balance.toString(),
    current_inflight_credit_balance: before.inflight_credit_balance.toString(),
    resulting_balance: after.balance.toString(),
    resulting_available: availableOf(after, working.queued_debit_balance).toString(),
    resulting_credit_balance: after.credit_balance.toString(),
    resulting_debit_balance: after.debit_balance.toString(),
    resulting_inflight_debit_balance: after.inflight_debit_balance.toString(),
    resulting_inflight_credit_balance: after.inflight_credit_balance.toString(),
  };
  if (working.virtual) projection.virtual = true;
  return projection;
}

/**
 * The balances of one preview, keyed by an engine-chosen key. `states` are the live working copies
 * (what `post` mutates). Scopes remember the state before their first touch, to report or undo.
 */
export class WorkingSet {
  readonly states = new Map<string, BalanceState>();
  /** Queued debits by key, as the funds check counts them (when `enable_queued_checks` is on). */
  readonly queued_debits = new Map<string, bigint>();
  private readonly balances = new Map<string, WorkingBalance>();
  /** The whole preview as one scope: the batch-level projection. */
  readonly all: Scope = new Scope(this);

  add(key: string, balance: WorkingBalance, state: BalanceState): void {
    this.balances.set(key, balance);
    this.states.set(key, copy(state));
    if (balance.queued_debit_balance !== undefined) this.queued_debits.set(key, balance.queued_debit_balance);
  }

  balance(key: string): WorkingBalance {
    const balance = this.balances.get(key);
    if (!balance) throw new Error(`balance ${key} is not in the working set`);
    return balance;
  }

  scope(): Scope {
    return new Scope(this);
  }
}

/** What a part of a preview (an item, a leg) touched, and the states before it did. */
export class Scope {
  private readonly before = new Map<string, BalanceState>();
  private readonly roles = new Map<string, PreviewRole>();

  constructor(private readonly set: WorkingSet) {}

  touch(key: string, role: PreviewRole): void {
    if (this.before.has(key)) return;
    const state = this.set.states.get(key);
    if (!state) throw new Error(`balance ${key} is not in the working set`);
    this.before.set(key, copy(state));
    this.roles.set(key, role);
    if (this !== this.set.all) this.set.all.touch(key, role);
  }

  /** Puts every touched balance back as it was before this scope. */
  restore(): void {
    for (const [key, state] of this.before) Object.assign(this.set.states.get(key)!, state);
  }

  /** The states of the touched balances now (to report later, e.g. where a batch stops). */
  capture(): Map<string, BalanceState> {
    return new Map([...this.before.keys()].map((key) => [key, copy(this.set.states.get(key)!)]));
  }

  /** The states of the touched balances before this scope touched them. */
  beforeStates(): Map<string, BalanceState> {
    return new Map([...this.before].map(([key, state]) => [key, copy(state)]));
  }

  /**
   * Before/after of every touched balance, in touch order. `after` (from `capture`/`beforeStates`)
   * replaces the live states; a balance it lacks was touched later and is shown unchanged.
   */
  projections(after?: ReadonlyMap<string, BalanceState>): BalanceProjection[] {
    return [...this.before].map(([key, before]) => {
      const resulting = after ? (after.get(key) ?? before) : this.set.states.get(key)!;
      return balanceProjection(this.set.balance(key), this.roles.get(key)!, before, resulting);
    });
  }
}

/** How a preview words a refusal: the code a real request would answer with, and why. */
export const PREVIEW_REFUSALS: Refusals<PreviewRejection> = {
  funds: fundsRejection,
  duplicate: duplicateReferenceRejection,
  sameBalance: sameBalanceRejection,
  condition: (failure) => rejectionOf(conditionError(failure)),
};

/**
 * Projects one leg within `scope` through the real paths' own step (`applyUnits`), checked in
 * `check_first` order against `taken` references. Returns why it would be refused (nothing changed
 * then) or null (the working states now include it).
 */
export function projectLeg(
  set: WorkingSet,
  scope: Scope,
  leg: Leg,
  policy: Pick<ApplyPolicy<PreviewRejection>, 'check_first' | 'taken'> = { check_first: 'funds' },
): PreviewRejection | null {
  scope.touch(leg.source, 'source');
  scope.touch(leg.destination, 'destination');
  const [outcome] = applyUnits(set, [[leg]], { ...policy, refusals: PREVIEW_REFUSALS }).outcomes;
  return outcome.applied ? null : outcome.refusal;
}

/** The last touches of a preview: no status when it would not apply. */
export function finishPreview(preview: TransactionPreview): TransactionPreview {
  if (!preview.would_apply) delete preview.status;
  return preview;
}
