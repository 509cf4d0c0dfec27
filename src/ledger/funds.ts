// The funds check (blnk-contract.md ledger §5.1): applies to APPLIED and INFLIGHT creation, on the source only.

export const INSUFFICIENT_FUNDS = 'insufficient funds in source balance';
export const OVERDRAFT_LIMIT_EXCEEDED = 'transaction exceeds overdraft limit';

export type FundsRejection = typeof INSUFFICIENT_FUNDS | typeof OVERDRAFT_LIMIT_EXCEEDED;

export interface SourceFunds {
  balance: bigint;
  inflight_debit_balance: bigint;
  /** Only counted when `enable_queued_checks` is on. */
  queued_debit_balance?: bigint;
}

export interface OverdraftRule {
  allow_overdraft: boolean;
  /** `overdraft_limit × precision` in minor units; 0 = no limit given. */
  overdraft_limit_precise: bigint;
}

/** `null` when the source may send `amount`, else the reason it may not. */
export function checkFunds(source: SourceFunds, amount: bigint, rule: OverdraftRule): FundsRejection | null {
  if (rule.allow_overdraft && rule.overdraft_limit_precise === 0n) return null;
  const available = source.balance - source.inflight_debit_balance - (source.queued_debit_balance ?? 0n);
  if (available >= amount) return null;
  // Blnk applies a positive limit whether or not allow_overdraft is set.
  if (rule.overdraft_limit_precise > 0n) {
    return available - amount >= -rule.overdraft_limit_precise ? null : OVERDRAFT_LIMIT_EXCEEDED;
  }
  return INSUFFICIENT_FUNDS;
}

/** How Blnk words a funds rejection once it reaches the caller or `blnk_rejection_reason`. */
export function rejectionText(reason: string): string {
  return `failed to apply transaction to balances: ${reason}`;
}
