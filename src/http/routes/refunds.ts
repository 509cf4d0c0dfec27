// POST /refund-transaction/:id (blnk-ledger.md §8.1).
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../errors.js';
import { refund } from '../../engine/refunds.js';
import { transactionView } from '../../ledger/transaction-view.js';
import type { AppContext } from '../context.js';
import { bodyObject, optionalBoolean, optionalMetaData, optionalString } from '../validation.js';

export function registerRefundRoutes(app: FastifyInstance, ctx: AppContext): void {
  const direct = {
    lock_wait_timeout_ms: ctx.config.transaction.lock_wait_timeout_ms,
    enable_queued_checks: ctx.config.transaction.enable_queued_checks,
  };

  app.post<{ Params: { id: string } }>('/refund-transaction/:id', async (request, reply) => {
    // An empty body (or JSON null) is allowed.
    const body = request.body === undefined || request.body === null ? {} : bodyObject(request.body);
    if (optionalBoolean(body.dry_run, 'dry_run')) {
      throw new ApiError('GEN_BAD_REQUEST', 'dry_run is not supported for refunds');
    }
    const skip_queue = optionalBoolean(body.skip_queue, 'skip_queue');
    const row = await refund(
      ctx.db,
      request.params.id,
      { skip_queue, description: optionalString(body.description, 'description'), meta_data: optionalMetaData(body.meta_data) },
      direct,
    );
    if (!skip_queue) ctx.onTransactionsQueued?.();
    return reply.status(201).send(transactionView(row));
  });
}
