// Committing and voiding holds: PUT /transactions/inflight/:id and the bulk endpoints
// (blnk-contract.md ledger §1.4, §4.3-4.5).
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../errors.js';
import { BULK_INFLIGHT_MAX, type SettlementItem } from '../../engine/features/settlements.js';
import type { InflightAction } from '../../ledger/inflight.js';
import { malformed, parseAction, parseSettlementAmounts } from '../../ledger/settlement-request.js';
import { transactionView } from '../../views/transaction.js';
import type { AppContext } from '../context.js';
import { bodyObject, optionalBoolean } from '../validation.js';
import { described } from '../openapi/route-schema.js';
import { object, ref, money, string, boolean } from '../openapi/components.js';

/** Each item's amounts, or their refusal (that item's failure, not the request's). */
function itemAmounts(id: string, body: Record<string, unknown>): SettlementItem {
  try {
    return { id, amounts: parseSettlementAmounts(body) };
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return { id, amounts: error };
  }
}

export function registerInflightRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { engine } = ctx;
  const many = (body: Record<string, unknown>, items: SettlementItem[], action: InflightAction, log: FastifyInstance['log']) =>
    engine.settleMany(
      items,
      action,
      { skip_queue: optionalBoolean(body.skip_queue, 'skip_queue'), dry_run: optionalBoolean(body.dry_run, 'dry_run') },
      log,
    );

  app.put<{ Params: { id: string } }>(
    '/transactions/inflight/:id',
    described({
      tags: ['Transactions'],
      summary: 'Commit or void a hold',
      params: { id: 'a hold, its queued request, a split parent or a bulk batch id' },
      body: object(
        {
          status: { type: 'string', enum: ['commit', 'void'] },
          amount: { type: 'number' },
          precise_amount: money(),
          skip_queue: boolean(),
          dry_run: boolean(),
        },
        ['status'],
      ),
      answers: { 200: ref('Transaction') },
      errors: [
        'TXN_NOT_FOUND',
        'TXN_NOT_INFLIGHT',
        'TXN_ALREADY_COMMITTED',
        'TXN_ALREADY_VOIDED',
        'TXN_COMMIT_AMOUNT_EXCEEDED',
        'TXN_INVALID_STATUS_ACTION',
        'TXN_INVALID_AMOUNT',
        'TXN_VALIDATION_ERROR',
        'GEN_CONFLICT',
        'GEN_RESOURCE_LOCKED',
        'GEN_VALIDATION_ERROR',
      ],
    }),
    async (request) => {
      const body = bodyObject(request.body);
      const action = parseAction(body.status);
      const amounts = parseSettlementAmounts(body);
      const settled = await engine.settle(request.params.id, action, amounts, {
        dry_run: optionalBoolean(body.dry_run, 'dry_run'),
        skip_queue: optionalBoolean(body.skip_queue, 'skip_queue'),
      });
      if (settled.kind === 'preview') return settled.answer;
      const view = transactionView(settled.row);
      return settled.queued ? { ...view, queued: true } : view;
    },
  );

  app.post(
    '/transactions/inflight/bulk/commit',
    described({
      tags: ['Transactions'],
      summary: 'Commit up to 100 holds',
      body: object(
        {
          transactions: {
            type: 'array',
            items: object({ transaction_id: string(), amount: { type: 'number' }, precise_amount: money() }, ['transaction_id']),
          },
          skip_queue: boolean(),
          dry_run: boolean(),
        },
        ['transactions'],
      ),
      answers: { 200: object({ succeeded: { type: 'integer' }, failed: { type: 'integer' }, results: { type: 'array' } }) },
      errors: ['TXN_BULK_EMPTY', 'TXN_BULK_LIMIT_EXCEEDED', 'TXN_INVALID_AMOUNT', 'TXN_VALIDATION_ERROR', 'GEN_VALIDATION_ERROR'],
    }),
    async (request) => {
      const body = bodyObject(request.body);
      const list = body.transactions;
      if (list !== undefined && list !== null && !Array.isArray(list)) throw malformed();
      if (!Array.isArray(list) || list.length === 0) throw new ApiError('TXN_BULK_EMPTY', 'transactions cannot be empty');
      if (list.length > BULK_INFLIGHT_MAX) {
        throw new ApiError('TXN_BULK_LIMIT_EXCEEDED', `too many transactions; max is ${BULK_INFLIGHT_MAX}`);
      }
      const items = list.map((item) => {
        if (item === null || typeof item !== 'object' || Array.isArray(item)) throw malformed();
        const entry = item as Record<string, unknown>;
        if (typeof entry.transaction_id !== 'string' || entry.transaction_id === '') {
          throw malformed('transaction_id is required');
        }
        return itemAmounts(entry.transaction_id, entry);
      });
      return many(body, items, 'commit', request.log);
    },
  );

  app.post(
    '/transactions/inflight/bulk/void',
    described({
      tags: ['Transactions'],
      summary: 'Void up to 100 holds',
      body: object({ transaction_ids: { type: 'array', items: string() }, skip_queue: boolean(), dry_run: boolean() }, [
        'transaction_ids',
      ]),
      answers: { 200: object({ succeeded: { type: 'integer' }, failed: { type: 'integer' }, results: { type: 'array' } }) },
      errors: ['TXN_BULK_EMPTY', 'TXN_BULK_LIMIT_EXCEEDED', 'TXN_VALIDATION_ERROR', 'GEN_VALIDATION_ERROR'],
    }),
    async (request) => {
      const body = bodyObject(request.body);
      const list = body.transaction_ids;
      if (list !== undefined && list !== null && !Array.isArray(list)) throw malformed();
      if (!Array.isArray(list) || list.length === 0) {
        throw new ApiError('TXN_BULK_EMPTY', 'transaction_ids cannot be empty');
      }
      if (list.length > BULK_INFLIGHT_MAX) {
        throw new ApiError('TXN_BULK_LIMIT_EXCEEDED', `too many transaction_ids; max is ${BULK_INFLIGHT_MAX}`);
      }
      const items = list.map((id) => {
        if (typeof id !== 'string' || id === '') throw malformed('transaction_ids must be strings');
        return itemAmounts(id, {});
      });
      return many(body, items, 'void', request.log);
    },
  );
}
