import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../errors.js';
import { Balances } from '../../balances/balances.js';
import { parseFilterBody } from '../../filters/language.js';
import { filterReply, listRequest } from '../filtering.js';
import type { AppContext } from '../context.js';
import { parsePage } from '../pagination.js';
import {
  bodyObject,
  optionalBoolean,
  optionalMetaData,
  optionalString,
  queryValues,
  throwIfInvalid,
  type FieldErrors,
} from '../validation.js';
import { balanceView, identityView, ledgerView } from '../../views/entities.js';
import { described, FILTER_ERRORS } from '../openapi/route-schema.js';
import { arrayOf, listOf, object, ref, string, boolean, metaData, messageAnswer, listQuery } from '../openapi/components.js';

export function registerBalanceRoutes(app: FastifyInstance, ctx: AppContext): void {
  const balances = new Balances(ctx.db);
  app.post(
    '/balances',
    described({
      tags: ['Balances'],
      summary: 'Create a balance',
      body: object(
        {
          ledger_id: string(),
          currency: string(),
          identity_id: string(),
          indicator: string(),
          track_fund_lineage: boolean(),
          allocation_strategy: string(),
          meta_data: metaData,
        },
        ['ledger_id', 'currency'],
      ),
      answers: { 201: ref('Balance') },
      errors: [
        'GEN_VALIDATION_ERROR',
        'BAL_VALIDATION_ERROR',
        'LGR_NOT_FOUND',
        'IDT_NOT_FOUND',
        'GEN_CONFLICT',
        'GEN_BAD_REQUEST',
      ],
    }),
    async (request, reply) => {
      const body = bodyObject(request.body, { legacyKey: 'errors' });
      const ledger_id = optionalString(body.ledger_id, 'ledger_id')?.trim() ?? '';
      const currency = optionalString(body.currency, 'currency')?.trim() ?? '';
      const errors: FieldErrors = {};
      if (!ledger_id) errors.ledger_id = 'cannot be blank';
      if (!currency) errors.currency = 'cannot be blank';
      throwIfInvalid(errors, 'BAL_VALIDATION_ERROR');

      const view = await balances.create({
        ledger_id,
        currency,
        indicator: optionalString(body.indicator, 'indicator')?.trim() || null,
        identity_id: optionalString(body.identity_id, 'identity_id')?.trim() || null,
        track_fund_lineage: optionalBoolean(body.track_fund_lineage, 'track_fund_lineage'),
        allocation_strategy: optionalString(body.allocation_strategy, 'allocation_strategy') ?? '',
        meta_data: optionalMetaData(body.meta_data),
      });
      ctx.metrics.balanceCreated.inc();
      return reply.status(201).send(view);
    },
  );

  app.get(
    '/balances',
    described({
      tags: ['Balances'],
      summary: 'List balances, newest first',
      query: listQuery,
      answers: { 200: arrayOf('Balance') },
      errors: FILTER_ERRORS,
    }),
    async (request) => {
      const query = request.query as Record<string, unknown>;
      const page = parsePage(query, {
        default_limit: 10,
        strict: true,
        limit_message: 'invalid limit value',
        offset_message: 'invalid offset value',
      });
      return filterReply(await balances.filter(listRequest('balances', query, page)), balanceView, false);
    },
  );

  app.post(
    '/balances/filter',
    described({
      tags: ['Balances'],
      summary: 'Filter balances',
      body: ref('FilterRequest'),
      answers: { 200: listOf('Balance') },
      errors: FILTER_ERRORS,
    }),
    async (request) => {
      const filter = parseFilterBody('balances', request.body);
      return filterReply(await balances.filter(filter), balanceView, filter.include_count);
    },
  );

  app.get<{ Params: { id: string }; Querystring: Record<string, unknown> }>(
    '/balances/:id',
    described({
      tags: ['Balances'],
      summary: 'Read a balance',
      params: { id: 'balance id' },
      query: { with_queued: boolean('add the queued debits and credits not applied yet'), include: string('repeatable') },
      answers: { 200: ref('Balance') },
      errors: ['BAL_NOT_FOUND'],
    }),
    async (request) => {
      const include = queryValues(request.query.include);
      const read = await balances.read(request.params.id, {
        identity: include.includes('identity'),
        ledger: include.includes('ledger'),
        queued: request.query.with_queued === 'true',
      });
      const view = balanceView(read.balance);
      if (read.identity) view.identity = identityView(read.identity);
      if (read.ledger) view.ledger = ledgerView(read.ledger);
      if (read.queued) Object.assign(view, read.queued);
      return view;
    },
  );

  app.get<{ Params: { indicator: string; currency: string } }>(
    '/balances/indicator/:indicator/currency/:currency',
    described({
      tags: ['Balances'],
      summary: 'Read a balance by indicator and currency',
      params: { indicator: 'the indicator, with or without @', currency: 'currency code' },
      answers: { 200: ref('Balance') },
      errors: ['BAL_NOT_FOUND'],
    }),
    async (request) => {
      const view = balanceView(await balances.readByIndicator(request.params.indicator, request.params.currency));
      delete view.meta_data;
      return view;
    },
  );

  app.put<{ Params: { id: string } }>(
    '/balances/:id/identity',
    described({
      tags: ['Balances'],
      summary: 'Link a balance to an identity',
      params: { id: 'balance id' },
      body: object({ identity_id: string() }),
      answers: { 200: messageAnswer },
      errors: ['GEN_VALIDATION_ERROR', 'BAL_NOT_FOUND', 'IDT_NOT_FOUND', 'GEN_BAD_REQUEST'],
    }),
    async (request) => {
      const body = bodyObject(request.body);
      const identity_id = optionalString(body.identity_id, 'identity_id')?.trim();
      if (!identity_id) throw new ApiError('GEN_BAD_REQUEST', 'identity_id is required');
      await balances.linkIdentity(request.params.id, identity_id);
      return { message: 'Balance identity updated successfully' };
    },
  );
}
