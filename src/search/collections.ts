// The search collections, answered straight from the ledger's tables (blnk-contract.md platform §9): what
// each field is for searching, filtering, sorting and faceting, and the document a row becomes.
// Reading the tables means a write is searchable as soon as it commits: no index to keep in step.
import { BALANCE_COLUMNS, toBalanceRow } from '../db/balances.js';
import { TRANSACTION_COLUMNS, toTransactionRow } from '../db/transactions.js';
import type { IdentityRow } from '../db/identities.js';
import type { LedgerRow } from '../db/ledgers.js';
import { balanceView, identityView, ledgerView, transactionView } from '../views/entities.js';
import { IDENTITY_TEXT_FIELDS } from '../db/identities.js';
import { RUN_COLUMNS, type RunRow } from '../db/reconciliations.js';
import { runView } from '../views/reconciliation.js';

/**
 * `string`: text (searchable with q); `amount`: a big integer shown as a string, filtered and sorted
 * as an exact number; `number`: a number; `time`: a timestamp shown and filtered as Unix seconds;
 * `bool`.
 */
export type FieldKind = 'string' | 'amount' | 'number' | 'time' | 'bool';

export type WordWeight = 'A' | 'B' | 'C' | 'D';

export interface SearchField {
  sql: string;
  kind: FieldKind;
}

export interface SearchCollection {
  name: string;
  from: string;
  select: string;
  /** The key of a row for keyset paging (reindex) and the last tie-break of every order. */
  key: string;
  /** The default order after _text_match (Typesense's default_sorting_field, descending). */
  default_sort: string;
  fields: Readonly<Record<string, SearchField>>;
  /**
   * A stored tsvector of some text fields' words with a GIN index (migration 017), and each field's
   * weight in it: `q` finds those fields' words through the index.
   */
  words?: { column: string; weights: Readonly<Record<string, WordWeight>> };
  document(raw: Record<string, unknown>): Record<string, unknown>;
}

const text = (sql: string): SearchField => ({ sql, kind: 'string' });
const amount = (sql: string): SearchField => ({ sql, kind: 'amount' });
const time = (sql: string): SearchField => ({ sql, kind: 'time' });
const number = (sql: string): SearchField => ({ sql, kind: 'number' });

/** Typesense's document: `id` first, times as Unix seconds, big amounts as strings, meta_data an object, keys sorted. */
function toDocument(id: string, view: Record<string, unknown>, times: readonly string[]): Record<string, unknown> {
  const document: Record<string, unknown> = { id };
  for (const key of Object.keys(view).sort()) {
    let value = view[key];
    if (times.includes(key)) {
      if (value === null || value === undefined || value === '') continue;
      value = Math.floor(Date.parse(String(value)) / 1000);
    } else if (typeof value === 'bigint') {
      value = value.toString();
    } else if (key === 'meta_data' && value === null) {
      value = {};
    }
    document[key] = value;
  }
  return document;
}

const ledgers: SearchCollection = {
  name: 'ledgers',
  from: 'ledgers t',
  select: 't.ledger_id, t.name, t.created_at, t.meta_data',
  key: 't.ledger_id',
  default_sort: 'created_at',
  fields: { ledger_id: text('t.ledger_id'), name: text('t.name'), created_at: time('t.created_at') },
  document: (raw) => toDocument(String(raw.ledger_id), ledgerView(raw as unknown as LedgerRow), ['created_at']),
};

const balances: SearchCollection = {
  name: 'balances',
  from: 'balances t',
  select: BALANCE_COLUMNS,
  key: 't.balance_id',
  default_sort: 'created_at',
  fields: {
    balance: amount('t.balance'),
    inflight_balance: amount('t.inflight_balance'),
    credit_balance: amount('t.credit_balance'),
    inflight_credit_balance: amount('t.inflight_credit_balance'),
    debit_balance: amount('t.debit_balance'),
    inflight_debit_balance: amount('t.inflight_debit_balance'),
    version: number('t.version'),
    ledger_id: text('t.ledger_id'),
    identity_id: text('t.identity_id'),
    balance_id: text('t.balance_id'),
    indicator: text('t.indicator'),
    currency: text('t.currency'),
    created_at: time('t.created_at'),
  },
  document: (raw) => toDocument(String(raw.balance_id), balanceView(toBalanceRow(raw)), ['created_at', 'inflight_expires_at']),
};

const TRANSACTION_TIMES = ['created_at', 'scheduled_for', 'inflight_expiry_date', 'effective_date'];

const transactions: SearchCollection = {
  name: 'transactions',
  from: 'transactions t',
  select: TRANSACTION_COLUMNS,
  key: 't.transaction_id',
  default_sort: 'created_at',
  fields: {
    precise_amount: amount('t.precise_amount'),
    amount: number('t.amount'),
    precision: number('t.precision'),
    transaction_id: text('t.transaction_id'),
    parent_transaction: text('t.parent_transaction'),
    source: text('t.source'),
    destination: text('t.destination'),
    reference: text('t.reference'),
    currency: text('t.currency'),
    description: text('t.description'),
    status: text('t.status'),
    hash: text('t.hash'),
    allow_overdraft: { sql: 't.allow_overdraft', kind: 'bool' },
    inflight: { sql: 't.inflight', kind: 'bool' },
    created_at: time('t.created_at'),
    scheduled_for: time('t.scheduled_for'),
    inflight_expiry_date: time('t.inflight_expiry_date'),
    effective_date: time('COALESCE(t.effective_date, t.created_at)'),
  },
  words: { column: 't.search_words', weights: { reference: 'A', description: 'B' } },
  document: (raw) => {
    const row = toTransactionRow(raw);
    return toDocument(row.transaction_id, transactionView(row), TRANSACTION_TIMES);
  },
};

const identities: SearchCollection = {
  name: 'identities',
  from: 'identities t',
  select: `t.identity_id, ${IDENTITY_TEXT_FIELDS.map((field) => `t.${field}`).join(', ')}, t.dob, t.created_at, t.meta_data, t.tokenized_fields`,
  key: 't.identity_id',
  default_sort: 'created_at',
  fields: {
    identity_id: text('t.identity_id'),
    ...Object.fromEntries(IDENTITY_TEXT_FIELDS.map((field) => [field, text(`t.${field}`)])),
    dob: time("(t.dob::timestamp AT TIME ZONE 'UTC')"),
    created_at: time('t.created_at'),
  },
  document: (raw) => toDocument(String(raw.identity_id), identityView(raw as unknown as IdentityRow), ['dob', 'created_at']),
};

/** Every run, whatever its status (Blnk's index holds completed runs that were not dry runs). */
const reconciliations: SearchCollection = {
  name: 'reconciliations',
  from: 'reconciliations t',
  select: RUN_COLUMNS.split(', ')
    .map((column) => `t.${column}`)
    .join(', '),
  key: 't.reconciliation_id',
  default_sort: 'started_at',
  fields: {
    reconciliation_id: text('t.reconciliation_id'),
    upload_id: text('t.upload_id'),
    status: text('t.status'),
    strategy: text('t.strategy'),
    grouping_criteria: text('t.grouping_criteria'),
    is_dry_run: { sql: 't.dry_run', kind: 'bool' },
    matched_transactions: number('t.matched_transactions'),
    unmatched_transactions: number('t.unmatched_transactions'),
    processed: number('t.processed'),
    total: number('t.total'),
    started_at: time('t.started_at'),
    completed_at: time('t.completed_at'),
  },
  document: (raw) => toDocument(String(raw.reconciliation_id), runView(raw as unknown as RunRow), ['started_at', 'completed_at']),
};

export const COLLECTIONS: Readonly<Record<string, SearchCollection>> = {
  ledgers,
  balances,
  transactions,
  identities,
  reconciliations,
};

export function collectionNamed(name: string): SearchCollection | undefined {
  return Object.hasOwn(COLLECTIONS, name) ? COLLECTIONS[name] : undefined;
}
