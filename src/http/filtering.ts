// Shared by the list and filter routes: a GET list's query string becomes a filter request, and a
// filter result becomes Blnk's reply (a bare array, or `{data, total_count}` with include_count).
import { parseFilterQuery, type FilterRequest, type FilterTable } from '../filters/language.js';
import type { Page } from './pagination.js';

/** GET lists: query-string filters, newest first, no count (blnk-contract.md platform §8.4). */
export function listRequest(table: FilterTable, query: Record<string, unknown>, page: Page): FilterRequest {
  return {
    ...parseFilterQuery(table, query),
    limit: page.limit,
    offset: page.offset,
    sort_by: 'created_at',
    sort_order: 'desc',
    include_count: false,
  };
}

export function filterReply<T>(
  result: { rows: T[]; total_count?: number },
  view: (row: T) => Record<string, unknown>,
  include_count: boolean,
): unknown {
  const data = result.rows.map(view);
  return include_count ? { data, total_count: result.total_count ?? 0 } : data;
}
