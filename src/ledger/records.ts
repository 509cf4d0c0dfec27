// The ledger's records as the engine and the views see them: balances' money fields, transaction rows,
// balance monitors. Declared here, in the domain, so that pure code never imports the database layer;
// src/db/ reads and writes them.
import type { MonitorField, MonitorOperator } from './monitor-condition.js';

/** The six money fields of a balance. */
export interface BalanceAmounts {
  balance: bigint;
  credit_balance: bigint;
  debit_balance: bigint;
  inflight_balance: bigint;
  inflight_credit_balance: bigint;
  inflight_debit_balance: bigint;
}

/** The money fields of a balance and its version: what the engine reads, changes and writes back. */
export interface BalanceState extends BalanceAmounts {
  balance_id: string;
  version: number;
}

export type TransactionStatus = 'QUEUED' | 'SCHEDULED' | 'APPLIED' | 'INFLIGHT' | 'VOID' | 'REJECTED';

/** A transaction row as stored; rows never change but for meta_data. */
export interface TransactionRow {
  seq: string;
  transaction_id: string;
  parent_transaction: string;
  source: string | null;
  destination: string | null;
  reference: string;
  /** Exact decimal text of the major-unit amount. */
  amount: string;
  precise_amount: bigint;
  precision: bigint;
  currency: string;
  description: string;
  status: TransactionStatus;
  hash: string;
  allow_overdraft: boolean;
  inflight: boolean;
  atomic: boolean;
  created_at: string;
  scheduled_for: string | null;
  effective_date: string | null;
  inflight_expiry_date: string | null;
  inflight_commit_date: string | null;
  meta_data: Record<string, unknown> | null;
  /**
   * The queued group the row belongs to (the id a queued create, split or batch answered with), written
   * by the server alone: commits, voids and refunds of that id reach the row. Null outside the queue.
   */
  queued_group: string | null;
}

/** A row to insert; `created_at` is the database's now(), `effective_date` defaults to it. */
export type NewTransaction = Omit<TransactionRow, 'seq' | 'created_at'>;

/** A stored monitor. `value` and `precision` keep the decimal text the client sent. */
export interface BalanceMonitorRow {
  monitor_id: string;
  balance_id: string;
  field: MonitorField;
  operator: MonitorOperator;
  value: string;
  precision: string;
  precise_value: bigint;
  description: string;
  call_back_url: string;
  /** Kassa's own: `level` (Blnk's: after every change while it holds) or `crossing` (once per crossing). */
  trigger_mode: MonitorTrigger;
  created_at: string;
}

export const MONITOR_TRIGGERS = ['level', 'crossing'] as const;
export type MonitorTrigger = (typeof MONITOR_TRIGGERS)[number];
