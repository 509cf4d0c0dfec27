// POST /refund-transaction/:id (blnk-contract.md ledger §8.1).
import type { FastifyInstance } from 'fastify';
import { transactionView } from '../../views/transaction.js';
import type { AppContext } from '../context.js';
import { bodyObject, optionalBoolean, optionalMetaData, optionalString } from '../validation.js';
import { described } from '../openapi/route-schema.js';
import { object, ref, string, boolean, metaData } from '../openapi/components.js';

export function registerRefundRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post<{ Params: { id: string } }>(
    '/refund-transaction/:id',
    described({
      tags: ['Transactions'],
      summary: 'Refund a transaction (every settled row the id names)',
      params: { id: 'transaction, split parent or bulk batch id' },
      body: object({ skip_queue: boolean(), dry_run: boolean(), description: string(), meta_data: metaData }, []),
      answers: { 201: ref('Transaction'), 200: object({}, []) },
      errors: [
        'TXN_NOT_FOUND',
        'GEN_CONFLICT',
        'TXN_DUPLICATE_REFERENCE',
        'GEN_RESOURCE_LOCKED',
        'GEN_VALIDATION_ERROR',
        'TXN_VALIDATION_ERROR',
      ],
    }),
    async (request, reply) => {
      // An empty body (or JSON null) is allowed.
      const body = request.body === undefined || request.body === null ? {} : bodyObject(request.body);
      const refunded = await ctx.engine.refund(request.params.id, {
        skip_queue: optionalBoolean(body.skip_queue, 'skip_queue'),
        description: optionalString(body.description, 'description'),
        meta_data: optionalMetaData(body.meta_data),
        dry_run: optionalBoolean(body.dry_run, 'dry_run'),
      });
      if (refunded.kind === 'preview') return reply.status(200).send(refunded.answer);
      const { row } = refunded;
      return reply.status(201).send(transactionView(row));
    },
  );
}
