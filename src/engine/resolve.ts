// Source and destination identifiers -> balance ids, inside the accepting database transaction:
// `@indicator`s are found or created per currency in the General Ledger; unknown ids are refused.
import type { Queryable } from '../db/database.js';
import { ensureIndicatorBalances, existingBalanceIds } from '../db/balances.js';
import { ApiError } from '../errors.js';
import { newId } from '../ids.js';

export const GENERAL_LEDGER_ID = 'general_ledger_id';

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
