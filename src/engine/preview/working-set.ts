// The working set of a dry run: identifiers resolved the way a real post resolves them, without
// creating anything. An `@indicator` that has no balance yet is projected as a zero balance marked
// `virtual` (a real post would create it); an unknown balance id is refused as a real post refuses it.
import { queuedDebits } from '../../db/balances.js';
import type { BalanceState } from '../../ledger/records.js';
import type { Database, Queryable } from '../../db/database.js';
import { findIndicatorBalanceIds, readBalancesShared } from '../../db/preview-reads.js';
import { ApiError } from '../../errors.js';
import { WorkingSet } from '../../ledger/preview.js';
import { translateRecordError } from '../accept/record.js';
import { isIndicator, refusalOf } from '../accept/resolve-balances.js';
import { setLockTimeout } from '../../db/locks.js';

export interface PreviewOptions {
  lock_wait_timeout_ms: number;
  enable_queued_checks: boolean;
}

export interface Wanted {
  identifier: string;
  currency: string;
}

export interface LoadedSet {
  set: WorkingSet;
  /** The working-set key of `identifier` in `currency` (indicators are per currency). */
  keyOf(identifier: string, currency: string): string;
}

const virtualKey = (indicator: string, currency: string) => `virtual:${currency}:${indicator}`;

function zeroState(balance_id: string): BalanceState {
  return {
    balance_id,
    balance: 0n,
    credit_balance: 0n,
    debit_balance: 0n,
    inflight_balance: 0n,
    inflight_credit_balance: 0n,
    inflight_debit_balance: 0n,
    version: 0,
  };
}

/** Resolves every wanted identifier and reads the balances in one share-locked statement. */
export async function loadWorkingSet(tx: Queryable, wanted: readonly Wanted[], options: PreviewOptions): Promise<LoadedSet> {
  const ids = [...new Set(wanted.map((w) => w.identifier).filter((identifier) => !isIndicator(identifier)))];
  const indicatorsByCurrency = new Map<string, string[]>();
  for (const { identifier, currency } of wanted) {
    if (!isIndicator(identifier)) continue;
    const list = indicatorsByCurrency.get(currency) ?? [];
    list.push(identifier);
    indicatorsByCurrency.set(currency, list);
  }
  const found = new Map<string, Map<string, string>>();
  for (const [currency, indicators] of indicatorsByCurrency) {
    found.set(currency, await findIndicatorBalanceIds(tx, indicators, currency));
  }
  const resolvedId = (identifier: string, currency: string) =>
    isIndicator(identifier) ? found.get(currency)?.get(identifier) : identifier;
  const realIds = new Set(ids);
  for (const { identifier, currency } of wanted) {
    const id = resolvedId(identifier, currency);
    if (id !== undefined) realIds.add(id);
  }
  const rows = await readBalancesShared(tx, [...realIds]);
  // The real post's refusals, in its order: an unknown balance id, then a balance of another currency.
  const currencies = new Map([...rows].map(([balance_id, row]) => [balance_id, row.currency]));
  for (const { identifier, currency } of wanted) {
    const refusal = isIndicator(identifier) ? undefined : refusalOf([identifier], currencies, currency);
    if (refusal) throw refusal;
  }

  const set = new WorkingSet();
  const queued = options.enable_queued_checks ? await queuedDebits(tx, [...rows.keys()]) : undefined;
  for (const [balance_id, { state, currency }] of rows) {
    const queued_debit_balance = queued === undefined ? undefined : (queued.get(balance_id) ?? 0n);
    set.add(balance_id, { balance_id, currency, virtual: false, queued_debit_balance }, state);
  }
  for (const [currency, indicators] of indicatorsByCurrency) {
    for (const indicator of new Set(indicators)) {
      if (found.get(currency)?.has(indicator)) continue;
      const key = virtualKey(indicator, currency);
      set.add(key, { balance_id: indicator, currency, virtual: true }, zeroState(indicator));
    }
  }
  return {
    set,
    keyOf(identifier, currency) {
      return resolvedId(identifier, currency) ?? virtualKey(identifier, currency);
    },
  };
}

/**
 * Runs a preview in one database transaction that writes nothing: the share locks last only as long
 * as the reads. Lock trouble is answered like a real post's; `onLocked` may turn it into a preview.
 */
export async function runPreview<T>(
  db: Database,
  options: PreviewOptions,
  work: (tx: Queryable) => Promise<T>,
  onLocked?: (error: ApiError) => T,
): Promise<T> {
  try {
    return await db.transaction(async (tx) => {
      await setLockTimeout(tx, options.lock_wait_timeout_ms);
      return work(tx);
    });
  } catch (error) {
    const translated = translateRecordError(error, '');
    if (onLocked && translated instanceof ApiError && translated.code === 'GEN_RESOURCE_LOCKED') return onLocked(translated);
    throw translated;
  }
}
