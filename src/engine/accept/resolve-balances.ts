// Source and destination identifiers -> balance ids, inside the accepting database transaction:
// `@indicator`s are found or created per currency in the General Ledger; unknown ids are refused.
import type { Queryable } from '../../db/database.js';
import { balanceCurrencies, ensureIndicatorBalances } from '../../db/balances.js';
import { ApiError } from '../../errors.js';
import { newId } from '../../ids.js';
import { transactionValidationError, type TransactionRequest } from '../../ledger/transaction-request.js';

import { GENERAL_LEDGER_ID } from '../../ledger/balance-rules.js';
import { DIRECT_REFUSALS } from '../../ledger/apply-units.js';

/** An indicator that resolves to the other side's balance. */
const sameBalance = DIRECT_REFUSALS.sameBalance;

/** Currencies do not mix (our deviation): a balance id of another currency than the transaction's. */
function currencyMismatch(balance_id: string, balance_currency: string, currency: string): ApiError {
  return transactionValidationError(
    `currency: transaction currency ${currency} differs from the currency ${balance_currency} of balance ${balance_id}.`,
  );
}

const notFound = (balance_id: string) => new ApiError('BAL_NOT_FOUND', `balance with ID '${balance_id}' not found`);

/** The refusal of `ids` (balance ids, not indicators) for a transaction in `currency`, if any. */
export function refusalOf(ids: readonly string[], existing: Map<string, string>, currency: string): ApiError | undefined {
  const unknown = ids.find((id) => !existing.has(id));
  if (unknown !== undefined) return notFound(unknown);
  const other = ids.find((id) => existing.get(id) !== currency);
  return other === undefined ? undefined : currencyMismatch(other, existing.get(other)!, currency);
}

export function isIndicator(identifier: string): boolean {
  return identifier.startsWith('@');
}

/** Maps every identifier to its balance id; 404 BAL_NOT_FOUND names the first unknown balance id. */
export async function resolveIdentifiers(
  tx: Queryable,
  identifiers: readonly string[],
  currency: string,
): Promise<Map<string, string>> {
  const indicators = identifiers.filter(isIndicator);
  const ids = [...new Set(identifiers.filter((identifier) => !isIndicator(identifier)))];
  const refusal = refusalOf(ids, await balanceCurrencies(tx, ids), currency);
  if (refusal) throw refusal;
  const resolved = await ensureIndicatorBalances(tx, indicators, currency, GENERAL_LEDGER_ID, () => newId('bln'));
  for (const id of ids) resolved.set(id, id);
  return resolved;
}

/**
 * resolveIdentifiers for many requests at once (group commit): identifier -> balance id for each
 * request, or the 404 that refuses that request alone.
 */
export async function resolveMany(
  tx: Queryable,
  requests: readonly Pick<TransactionRequest, 'source' | 'destination' | 'currency'>[],
): Promise<(Map<string, string> | ApiError)[]> {
  const ids = new Set<string>();
  for (const r of requests) for (const id of [r.source, r.destination]) if (!isIndicator(id)) ids.add(id);
  const existing = await balanceCurrencies(tx, [...ids]);
  const refusalFor = (r: (typeof requests)[number]) =>
    refusalOf(
      [r.source, r.destination].filter((id) => !isIndicator(id)),
      existing,
      r.currency,
    );
  const indicatorsByCurrency = new Map<string, string[]>();
  for (const r of requests) {
    if (refusalFor(r) !== undefined) continue;
    const list = indicatorsByCurrency.get(r.currency) ?? [];
    for (const id of [r.source, r.destination]) if (isIndicator(id)) list.push(id);
    indicatorsByCurrency.set(r.currency, list);
  }
  // Currencies in sorted order, indicators sorted within: concurrent flushes never wait in a cycle.
  const resolvedByCurrency = new Map<string, Map<string, string>>();
  for (const currency of [...indicatorsByCurrency.keys()].sort()) {
    resolvedByCurrency.set(
      currency,
      await ensureIndicatorBalances(tx, indicatorsByCurrency.get(currency)!, currency, GENERAL_LEDGER_ID, () => newId('bln')),
    );
  }
  return requests.map((r) => {
    const refusal = refusalFor(r);
    if (refusal) return refusal;
    const indicators = resolvedByCurrency.get(r.currency);
    const resolve = (id: string) => (isIndicator(id) ? indicators!.get(id)! : id);
    if (resolve(r.source) === resolve(r.destination)) return sameBalance();
    return new Map([
      [r.source, resolve(r.source)],
      [r.destination, resolve(r.destination)],
    ]);
  });
}

/** Source and destination as balance ids; an indicator that names the other side's balance is refused. */
export async function resolvePair(
  tx: Queryable,
  request: { source: string; destination: string; currency: string },
): Promise<{ source: string; destination: string }> {
  const ids = await resolveIdentifiers(tx, [request.source, request.destination], request.currency);
  const source = ids.get(request.source)!;
  const destination = ids.get(request.destination)!;
  if (source === destination) throw sameBalance();
  return { source, destination };
}
