// Committing and voiding holds: PUT /transactions/inflight/:id and the bulk endpoints
// (blnk-ledger.md §1.4, §4.3-4.5).
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Database } from '../../db/database.js';
import { groupPrecision } from '../../db/holds.js';
import { ApiError, INTERNAL_ERROR_MESSAGE } from '../../errors.js';
import { queueSettlement, settleDirect } from '../../engine/features/inflight.js';
import { previewBulkSettlements, previewSettlement, type SettlementRequest } from '../../engine/preview/inflight.js';
import { invalidStatusAction, preciseAmountNotPositive, type InflightAction } from '../../ledger/inflight.js';
import { toPreciseAmount } from '../../ledger/money.js';
import { transactionView } from '../../ledger/transaction-view.js';
import type { AppContext } from '../context.js';
import { bodyObject, optionalBoolean } from '../validation.js';
import { described } from '../openapi/route-schema.js';
import { object, ref, money, string, boolean } from '../openapi/components.js';

export const BULK_INFLIGHT_MAX = 100;

const malformed = (message = 'Invalid request body') => new ApiError('GEN_MALFORMED_REQUEST', message);

function parseAction(value: unknown): InflightAction {
  if (value === undefined || value === null || value === '') throw malformed('status is required');
  if (value === 'commit' || value === 'void') return value;
  throw invalidStatusAction();
}

/** `precise_amount` if sent (a positive integer), else null. */
function parsePreciseAmount(value: unknown): bigint | null {
  if (value === undefined || value === null) return null;
  let precise: bigint;
  if (typeof value === 'bigint') precise = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) precise = BigInt(value);
  // Blnk's SDK allows an integer string here.
  else if (typeof value === 'string' && /^-?\d+$/.test(value)) precise = BigInt(value);
  else throw malformed('precise_amount must be an integer');
  if (precise <= 0n) throw preciseAmountNotPositive();
  return precise;
}

function parseAmount(value: unknown): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'bigint') return Number(value);
  throw malformed('amount must be a number');
}

/**
 * The amount to settle: `precise_amount` wins; `amount` is converted with the stored precision of the
 * target (§3.4); neither (or 0) means the whole remaining hold (null).
 */
async function requestedAmount(
  db: Database,
  id: string,
  item: Record<string, unknown>,
  action: InflightAction,
): Promise<bigint | null> {
  const precise = parsePreciseAmount(item.precise_amount);
  const amount = parseAmount(item.amount);
  if (action === 'void') return null;
  if (precise !== null) return precise;
  if (amount === 0) return null;
  if (amount < 0) throw new ApiError('TXN_INVALID_AMOUNT', 'commit amount cannot be negative');
  return toPreciseAmount(amount, await groupPrecision(db, id));
}

/** Blnk's per-item codes of the bulk endpoints. */
function bulkCode(error: unknown): { code: string; message: string } {
  if (!(error instanceof ApiError)) return { code: 'INTERNAL_ERROR', message: INTERNAL_ERROR_MESSAGE };
  const codes: Partial<Record<string, string>> = {
    TXN_NOT_FOUND: 'NOT_FOUND',
    TXN_ALREADY_VOIDED: 'ALREADY_VOIDED',
    TXN_ALREADY_COMMITTED: 'ALREADY_COMMITTED',
    TXN_NOT_INFLIGHT: 'NOT_INFLIGHT',
    TXN_COMMIT_AMOUNT_EXCEEDED: 'INVALID_AMOUNT',
    TXN_INVALID_AMOUNT: 'INVALID_AMOUNT',
    GEN_MALFORMED_REQUEST: 'INVALID_AMOUNT',
    GEN_RESOURCE_LOCKED: 'LOCKED',
  };
  const code = codes[error.code];
  return code ? { code, message: error.message } : { code: 'INTERNAL_ERROR', message: INTERNAL_ERROR_MESSAGE };
}

/** An amount was sent with the item (a void ignores it). */
function amountSent(item: Record<string, unknown>): boolean {
  return (
    (item.precise_amount !== undefined && item.precise_amount !== null) ||
    (item.amount !== undefined && item.amount !== null && item.amount !== 0)
  );
}

export function registerInflightRoutes(app: FastifyInstance, ctx: AppContext): void {
  const wakeWorker = () => ctx.background.stored('inflight');
  const direct = { lock_wait_timeout_ms: ctx.config.transaction.lock_wait_timeout_ms };
  const preview = { ...direct, enable_queued_checks: ctx.config.transaction.enable_queued_checks };

  /** Dry run of a list: each item's amount refusal becomes that item's rejection. */
  const previewItems = async (
    items: { id: string; body: Record<string, unknown> }[],
    action: InflightAction,
    skip_queue: boolean,
  ) => {
    const requests: SettlementRequest[] = [];
    for (const { id, body } of items) {
      const request: SettlementRequest = { id, action, requested: null, amount_sent: amountSent(body) };
      try {
        request.requested = await requestedAmount(ctx.db, id, body, action);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        request.error = error;
      }
      requests.push(request);
    }
    return previewBulkSettlements(ctx.db, requests, (error) => bulkCode(error).code, { ...preview, skip_queue });
  };

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
      const id = request.params.id;
      const requested = await requestedAmount(ctx.db, id, body, action);
      if (optionalBoolean(body.dry_run, 'dry_run')) {
        return previewSettlement(
          ctx.db,
          { id, action, requested, amount_sent: amountSent(body) },
          { ...preview, skip_queue: optionalBoolean(body.skip_queue, 'skip_queue') },
        );
      }
      if (optionalBoolean(body.skip_queue, 'skip_queue')) {
        return transactionView(await settleDirect(ctx.db, id, action, requested, direct));
      }
      const target = await queueSettlement(ctx.db, id, action, requested);
      wakeWorker();
      return { ...transactionView(target), queued: true };
    },
  );

  const bulk = async (
    log: FastifyBaseLogger,
    items: { id: string; body: Record<string, unknown> }[],
    action: InflightAction,
    skip_queue: boolean,
  ) => {
    const results: Record<string, unknown>[] = [];
    let succeeded = 0;
    for (const { id, body } of items) {
      try {
        const requested = await requestedAmount(ctx.db, id, body, action);
        if (skip_queue) {
          await settleDirect(ctx.db, id, action, requested, direct);
          results.push({ transaction_id: id, status: 'succeeded' });
        } else {
          try {
            await queueSettlement(ctx.db, id, action, requested);
            results.push({ transaction_id: id, status: 'queued', code: 'QUEUED' });
          } catch (error) {
            if (!(error instanceof ApiError && error.code === 'GEN_CONFLICT')) throw error;
            results.push({ transaction_id: id, status: 'queued', code: 'ALREADY_QUEUED' });
          }
        }
        succeeded += 1;
      } catch (error) {
        if (!(error instanceof ApiError)) log.error({ err: error, transaction_id: id }, 'bulk inflight item failed');
        results.push({ transaction_id: id, status: 'failed', ...bulkCode(error) });
      }
    }
    if (!skip_queue) wakeWorker();
    return { succeeded, failed: items.length - succeeded, results };
  };

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
        return { id: entry.transaction_id, body: entry };
      });
      const skip_queue = optionalBoolean(body.skip_queue, 'skip_queue');
      if (optionalBoolean(body.dry_run, 'dry_run')) return previewItems(items, 'commit', skip_queue);
      return bulk(request.log, items, 'commit', skip_queue);
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
        return { id, body: {} };
      });
      const skip_queue = optionalBoolean(body.skip_queue, 'skip_queue');
      if (optionalBoolean(body.dry_run, 'dry_run')) return previewItems(items, 'void', skip_queue);
      return bulk(request.log, items, 'void', skip_queue);
    },
  );
}
