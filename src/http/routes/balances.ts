import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../errors.js';
import { newId } from '../../ids.js';
import { isSqlError, SQLSTATE } from '../../db/database.js';
import {
  findBalance,
  findBalanceByIndicator,
  insertBalance,
  filterBalances,
  queuedAmounts,
  setBalanceIdentity,
} from '../../db/balances.js';
import { findIdentity } from '../../db/identities.js';
import { findLedger } from '../../db/ledgers.js';
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
import { balanceView, identityView, ledgerView } from '../views.js';
import { recordEvent } from '../../events/outbox.js';
import { described, FILTER_ERRORS } from '../openapi/route-schema.js';
import { arrayOf, listOf, object, ref, string, boolean, metaData, messageAnswer, listQuery } from '../openapi/components.js';

export const GENERAL_LEDGER_ID = 'general_ledger_id';
const ALLOCATION_STRATEGIES = ['FIFO', 'LIFO', 'PROPORTIONAL'];

const balanceNotFound = () => new ApiError('BAL_NOT_FOUND', 'balance not found');
const invalid = (message: string) => new ApiError('BAL_VALIDATION_ERROR', message, { legacyKey: 'errors' });

export function registerBalanceRoutes(app: FastifyInstance, ctx: AppContext): void {
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

      const indicator = optionalString(body.indicator, 'indicator')?.trim() || null;
      if (indicator !== null) {
        if (ledger_id !== GENERAL_LEDGER_ID) {
          throw invalid('indicator is only allowed for General Ledger balances (ledger_id = general_ledger_id)');
        }
        if (!/^@\S+$/.test(indicator)) {
          throw invalid("indicator must start with '@' and contain no whitespace (e.g. '@cash')");
        }
      }
      const identity_id = optionalString(body.identity_id, 'identity_id')?.trim() || null;
      const track_fund_lineage = optionalBoolean(body.track_fund_lineage, 'track_fund_lineage');
      if (track_fund_lineage && !identity_id) {
        throw invalid('identity_id is required when track_fund_lineage is enabled');
      }
      const strategy = (optionalString(body.allocation_strategy, 'allocation_strategy') ?? '').trim().toUpperCase() || 'FIFO';
      if (!ALLOCATION_STRATEGIES.includes(strategy)) {
        throw invalid('allocation_strategy must be one of: FIFO, LIFO, PROPORTIONAL');
      }

      const meta_data = optionalMetaData(body.meta_data);
      try {
        const view = await ctx.db.transaction(async (tx) => {
          const balance = balanceView(
            await insertBalance(tx, {
              balance_id: newId('bln'),
              ledger_id,
              currency,
              indicator,
              identity_id,
              meta_data,
              track_fund_lineage,
              allocation_strategy: strategy,
            }),
          );
          await recordEvent(tx, 'balance.created', balance);
          return balance;
        });
        ctx.metrics.balanceCreated.inc();
        return reply.status(201).send(view);
      } catch (error) {
        if (isSqlError(error, SQLSTATE.foreignKeyViolation)) {
          throw new ApiError('GEN_BAD_REQUEST', 'Invalid ledger ID');
        }
        if (isSqlError(error, SQLSTATE.uniqueViolation)) {
          throw new ApiError('GEN_CONFLICT', `Balance already exists for indicator '${indicator}' and '${currency}'`);
        }
        throw error;
      }
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
      return filterReply(await filterBalances(ctx.db, listRequest('balances', query, page)), balanceView, false);
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
      return filterReply(await filterBalances(ctx.db, filter), balanceView, filter.include_count);
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
      const balance = await findBalance(ctx.db, request.params.id);
      if (!balance) throw balanceNotFound();
      const view = balanceView(balance);
      const include = queryValues(request.query.include);
      if (include.includes('identity') && balance.identity_id) {
        const identity = await findIdentity(ctx.db, balance.identity_id);
        if (identity) view.identity = identityView(identity);
      }
      if (include.includes('ledger')) {
        const ledger = await findLedger(ctx.db, balance.ledger_id);
        if (ledger) view.ledger = ledgerView(ledger);
      }
      if (request.query.with_queued === 'true') {
        Object.assign(view, await queuedAmounts(ctx.db, balance.balance_id));
      }
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
      const balance = await findBalanceByIndicator(ctx.db, request.params.indicator, request.params.currency);
      if (!balance) throw balanceNotFound();
      const view = balanceView(balance);
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
      if (!(await findIdentity(ctx.db, identity_id))) throw new ApiError('IDT_NOT_FOUND', 'identity not found');
      if (!(await setBalanceIdentity(ctx.db, request.params.id, identity_id))) throw balanceNotFound();
      return { message: 'Balance identity updated successfully' };
    },
  );
}
