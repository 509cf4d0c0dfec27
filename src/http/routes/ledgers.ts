import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../errors.js';
import { Ledgers } from '../../ledgers/ledgers.js';
import { parseFilterBody } from '../../filters/language.js';
import { filterReply, listRequest } from '../filtering.js';
import type { AppContext } from '../context.js';
import { parsePage } from '../pagination.js';
import { bodyObject, optionalMetaData, throwIfInvalid, type FieldErrors } from '../validation.js';
import { ledgerView } from '../../views/entities.js';
import { described, FILTER_ERRORS } from '../openapi/route-schema.js';
import { arrayOf, listOf, object, ref, string, metaData, listQuery } from '../openapi/components.js';

function requiredName(body: Record<string, unknown>): string {
  const errors: FieldErrors = {};
  const name = body.name;
  if (name !== undefined && name !== null && typeof name !== 'string') {
    throw new ApiError('GEN_MALFORMED_REQUEST', 'name must be a string', { legacyKey: 'errors' });
  }
  if (typeof name !== 'string' || name.trim() === '') errors.name = 'cannot be blank';
  throwIfInvalid(errors);
  return name as string;
}

export function registerLedgerRoutes(app: FastifyInstance, ctx: AppContext): void {
  const ledgers = new Ledgers(ctx.db);
  app.post(
    '/ledgers',
    described({
      tags: ['Ledgers'],
      summary: 'Create a ledger',
      body: object({ name: string(), meta_data: metaData }, ['name']),
      answers: { 201: ref('Ledger') },
      errors: ['GEN_VALIDATION_ERROR'],
    }),
    async (request, reply) => {
      const body = bodyObject(request.body, { legacyKey: 'errors' });
      const name = requiredName(body);
      const meta_data = optionalMetaData(body.meta_data);
      return reply.status(201).send(await ledgers.create(name, meta_data));
    },
  );

  app.get(
    '/ledgers',
    described({
      tags: ['Ledgers'],
      summary: 'List ledgers, newest first',
      query: listQuery,
      answers: { 200: arrayOf('Ledger') },
      errors: FILTER_ERRORS,
    }),
    async (request) => {
      const query = request.query as Record<string, unknown>;
      const page = parsePage(query, { default_limit: 10, strict: true });
      return filterReply(await ledgers.filter(listRequest('ledgers', query, page)), ledgerView, false);
    },
  );

  app.post(
    '/ledgers/filter',
    described({
      tags: ['Ledgers'],
      summary: 'Filter ledgers',
      body: ref('FilterRequest'),
      answers: { 200: listOf('Ledger') },
      errors: FILTER_ERRORS,
    }),
    async (request) => {
      const filter = parseFilterBody('ledgers', request.body);
      return filterReply(await ledgers.filter(filter), ledgerView, filter.include_count);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/ledgers/:id',
    described({
      tags: ['Ledgers'],
      summary: 'Read a ledger',
      params: { id: 'ledger id' },
      answers: { 200: ref('Ledger') },
      errors: ['LGR_NOT_FOUND'],
    }),
    async (request) => {
      return ledgerView(await ledgers.read(request.params.id));
    },
  );

  app.put<{ Params: { id: string } }>(
    '/ledgers/:id',
    described({
      tags: ['Ledgers'],
      summary: 'Rename a ledger',
      params: { id: 'ledger id' },
      body: object({ name: string() }),
      answers: { 200: ref('Ledger') },
      errors: ['GEN_VALIDATION_ERROR', 'LGR_NOT_FOUND'],
    }),
    async (request) => {
      const body = bodyObject(request.body, { legacyKey: 'errors' });
      const name = requiredName(body);
      return ledgerView(await ledgers.rename(request.params.id, name));
    },
  );
}
