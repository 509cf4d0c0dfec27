// Applying one transaction to balance states in memory (blnk-contract.md ledger §4.6), after the funds check
// of §5.1. Pure: the engine locks, calls this in arrival order, then writes the states back.
import type { BalanceState } from './records.js';
import { checkFunds, type FundsRejection } from './funds.js';

export interface Posting {
  source: string;
  destination: string;
  amount: bigint;
  inflight: boolean;
  allow_overdraft: boolean;
  overdraft_limit_precise: bigint;
  /** Queued debits of the source, counted only when `enable_queued_checks` is on. */
  queued_debit_balance?: bigint;
}

function recomputeNets(state: BalanceState): void {
  state.balance = state.credit_balance - state.debit_balance;
  state.inflight_balance = state.inflight_credit_balance - state.inflight_debit_balance;
}

/** Applies `posting` to the two states (mutating them) or returns why it cannot be applied. */
export function post(balances: ReadonlyMap<string, BalanceState>, posting: Posting): FundsRejection | null {
  const source = balances.get(posting.source);
  const destination = balances.get(posting.destination);
  if (!source || !destination) throw new Error('posting to a balance that is not loaded');
  if (source === destination) throw new Error('posting from a balance to itself');
  if (posting.amount <= 0n) throw new Error('posting a non-positive amount');
  const rejection = checkFunds(
    {
      balance: source.balance,
      inflight_debit_balance: source.inflight_debit_balance,
      queued_debit_balance: posting.queued_debit_balance,
    },
    posting.amount,
    posting,
  );
  if (rejection) return rejection;
  if (posting.inflight) {
    source.inflight_debit_balance += posting.amount;
    destination.inflight_credit_balance += posting.amount;
  } else {
    source.debit_balance += posting.amount;
    destination.credit_balance += posting.amount;
  }
  recomputeNets(source);
  recomputeNets(destination);
  source.version += 1;
  destination.version += 1;
  return null;
}
