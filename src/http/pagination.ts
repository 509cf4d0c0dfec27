import { ApiError } from '../errors.js';

export interface Page {
  limit: number;
  offset: number;
}

export const PAGE_LIMIT_MAX = 100;

/**
 * `limit`/`offset` from a query string. Blnk answers 400 on a bad value for ledgers and balances
 * (`strict`) and silently falls back to the default for transactions.
 */
export function parsePage(
  query: Record<string, unknown>,
  options: { default_limit: number; strict: boolean; limit_max?: number; limit_message?: string; offset_message?: string },
): Page {
  const parse = (value: unknown, fallback: number, minimum: number, message: string): number => {
    if (value === undefined || value === '') return fallback;
    const text = Array.isArray(value) ? value[0] : value;
    const number = typeof text === 'string' && /^-?\d+$/.test(text) ? Number(text) : Number.NaN;
    if (Number.isSafeInteger(number) && number >= minimum) return number;
    if (options.strict) throw new ApiError('GEN_VALIDATION_ERROR', message);
    return fallback;
  };
  const limit = parse(query.limit, options.default_limit, 1, options.limit_message ?? 'Invalid limit value');
  const offset = parse(query.offset, 0, 0, options.offset_message ?? 'Invalid offset value');
  return { limit: Math.min(limit, options.limit_max ?? PAGE_LIMIT_MAX), offset };
}
