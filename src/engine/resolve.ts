// Source and destination identifiers -> balance ids, inside the accepting database transaction:
// `@indicator`s are found or created per currency in the General Ledger; unknown ids are refused.
import type { Queryable } from '../db/database.js';
import { ensureIndicatorBalances, existingBalanceIds } from '../db/balances.js';
import { ApiError } from '../errors.js';
import { newId } from '../ids.js';
import { transactionValidationError, type TransactionRequest } from '../ledger/transaction-request.js';

export const GENERAL_LEDGER_ID = 'general_ledger_id';

/** An indicator that resolves to the other side's balance. */
const sameBalance = () => transactionValidationError('source: source and destination cannot be the same balance.');

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
  const existing = await existingBalanceIds(tx, ids);
  const unknown = ids.find((id) => !existing.has(id));
  if (unknown !== undefined) throw new ApiError('BAL_NOT_FOUND', `balance with ID '${unknown}' not found`);
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
  const existing = await existingBalanceIds(tx, [...ids]);
  const unknownOf = (r: (typeof requests)[number]) => [r.source, r.destination].find((id) => !isIndicator(id) && !existing.has(id));
  const indicatorsByCurrency = new Map<string, string[]>();
  for (const r of requests) {
    if (unknownOf(r) !== undefined) continue;
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
    const unknown = unknownOf(r);
    if (unknown !== undefined) return new ApiError('BAL_NOT_FOUND', `balance with ID '${unknown}' not found`);
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
