// Reading transactions in bulk: `GET /transactions` (query-string filters) and
// `POST /transactions/filter` (the body language), blnk-contract.md platform §8.
import type { FastifyInstance } from 'fastify';
import { parseFilterBody } from '../../filters/language.js';
import type { AppContext } from '../context.js';
import { filterReply, listRequest } from '../filtering.js';
import { parsePage } from '../pagination.js';
import { transactionView } from '../../views/entities.js';
import { described, FILTER_ERRORS } from '../openapi/route-schema.js';
import { arrayOf, listOf, ref, listQuery } from '../openapi/components.js';

/**
 * Blnk's storage caps a filtered `GET /transactions` page at 1000 rows and leaves an unfiltered one
 * unbounded; Kassa caps both at 1000.
 */
export const TRANSACTIONS_PAGE_MAX = 1000;

export function registerTransactionListRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get(
    '/transactions',
    described({
      tags: ['Transactions'],
      summary: 'List transactions, newest first',
      query: listQuery,
      answers: { 200: arrayOf('Transaction') },
      errors: FILTER_ERRORS,
    }),
    async (request) => {
      const query = request.query as Record<string, unknown>;
      // A bad limit or offset is not an error here: Blnk falls back to 20 and 0.
      const page = parsePage(query, { default_limit: 20, strict: false, limit_max: TRANSACTIONS_PAGE_MAX });
      return filterReply(await ctx.engine.filterTransactions(listRequest('transactions', query, page)), transactionView, false);
    },
  );

  app.post(
    '/transactions/filter',
    described({
      tags: ['Transactions'],
      summary: 'Filter transactions',
      body: ref('FilterRequest'),
      answers: { 200: listOf('Transaction') },
      errors: FILTER_ERRORS,
    }),
    async (request) => {
      const filter = parseFilterBody('transactions', request.body);
      return filterReply(await ctx.engine.filterTransactions(filter), transactionView, filter.include_count);
    },
  );
}
