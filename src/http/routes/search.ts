// Blnk's search API (blnk-contract.md platform §9), answered from the database: POST /search/:collection
// (201, as Blnk), POST /multi-search, and the reindex routes. Scopes come from the auth plugin
// (search:write for the POSTs, search:read for GET /search/reindex).
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../errors.js';
import { collectionNamed } from '../../search/collections.js';
import { collectionNotFound, SearchQueryError } from '../../search/errors.js';
import { parseSearchParams } from '../../search/params.js';
import { reindexBatchSize, Reindexer } from '../../search/reindex.js';
import { Searcher } from '../../search/search.js';
import type { AppContext } from '../context.js';
import { described } from '../openapi/route-schema.js';
import { object, string } from '../openapi/components.js';
import { bodyObject, isPlainObject } from '../validation.js';

/** Searches in one multi-search request (Typesense's default limit_multi_searches). */
export const MULTI_SEARCH_MAX = 50;

const SEARCH_ERRORS = ['SRCH_QUERY_INVALID', 'GEN_MALFORMED_REQUEST', 'GEN_NOT_FOUND'] as const;
const searchBody = object({
  q: string('words to find; * for all'),
  query_by: string('comma-separated fields'),
  filter_by: string("Typesense's filter syntax"),
  sort_by: string('up to three field:asc|desc'),
  facet_by: string(),
  page: { type: 'integer', minimum: 1 },
  per_page: { type: 'integer', minimum: 0, maximum: 250 },
});
const searchAnswer = {
  type: 'object',
  properties: { found: { type: 'integer' }, out_of: { type: 'integer' }, page: { type: 'integer' }, hits: { type: 'array' } },
} as const;

export function registerSearchRoutes(app: FastifyInstance, ctx: AppContext): void {
  const searcher = new Searcher(ctx.db);
  const search = (collectionName: string, body: Record<string, unknown>) => {
    const collection = collectionNamed(collectionName);
    if (!collection) throw collectionNotFound(collectionName);
    return searcher.run(parseSearchParams(collection, body));
  };
  const reindexer = new Reindexer(ctx.db, app.log);
  app.addHook('onClose', () => reindexer.close());

  app.post(
    '/search/reindex',
    described({
      tags: ['Search'],
      summary: 'Start a reindex (202 with its progress; 409 while one runs)',
      body: object({ batch_size: { type: 'integer' } }),
      answers: { 202: object({ message: string(), progress: { type: 'object' } }) },
      errors: ['SRCH_REINDEX_IN_PROGRESS'],
    }),
    async (request, reply) => {
      const progress = await reindexer.start(reindexBatchSize(request.body));
      return reply.status(202).send({ message: 'Reindex operation started', progress });
    },
  );

  app.get(
    '/search/reindex',
    described({
      tags: ['Search'],
      summary: 'The progress of the latest reindex',
      answers: { 200: { type: 'object' } },
      errors: ['SRCH_REINDEX_NOT_STARTED'],
    }),
    () => reindexer.progress(),
  );

  app.post<{ Params: { collection: string } }>(
    '/search/:collection',
    described({
      tags: ['Search'],
      summary: 'Search a collection (ledgers, balances, transactions, identities, reconciliations) with Typesense parameters',
      params: { collection: 'collection name' },
      body: searchBody,
      answers: { 201: searchAnswer },
      errors: [...SEARCH_ERRORS],
    }),
    async (request, reply) => {
      const result = await search(request.params.collection, bodyObject(request.body));
      return reply.status(201).send(result);
    },
  );

  app.post(
    '/multi-search',
    described({
      tags: ['Search'],
      summary: 'Several searches in one request; a failing one answers {code, error} in its place',
      body: object({ searches: { type: 'array', items: { type: 'object' } } }, ['searches']),
      answers: { 200: object({ results: { type: 'array' } }) },
      errors: [...SEARCH_ERRORS],
    }),
    async (request) => {
      const { searches } = bodyObject(request.body);
      if (!Array.isArray(searches)) throw new ApiError('GEN_MALFORMED_REQUEST', 'searches must be an array of search objects');
      if (searches.length > MULTI_SEARCH_MAX) {
        throw new SearchQueryError(`Number of multi searches exceeds \`limit_multi_searches\` parameter (${MULTI_SEARCH_MAX}).`);
      }
      const results = [];
      // One after another: a multi-search is bounded by the slowest of its searches either way, and
      // this keeps one request to one search's connections at a time.
      for (const item of searches) {
        try {
          if (!isPlainObject(item)) throw new ApiError('GEN_MALFORMED_REQUEST', 'each search must be an object');
          const collection = typeof item.collection === 'string' ? item.collection : '';
          results.push(await search(collection, item));
        } catch (error) {
          if (!(error instanceof ApiError) || error.status >= 500) throw error;
          results.push({ code: error.status, error: error.message });
        }
      }
      return { results };
    },
  );
}
