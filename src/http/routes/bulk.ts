// POST /transactions/bulk (blnk-contract.md ledger §1.4, §7): validated whole, then processed now (201) or
// stored and processed by the bulk runner (`run_async`, 202).
import type { FastifyInstance } from 'fastify';
import type { BatchProgress } from '../../engine/engine.js';
import { ApiError } from '../../errors.js';
import { parseBulkRequest } from '../../ledger/bulk-request.js';
import type { AppContext } from '../context.js';
import { described, POSTING_ERRORS } from '../openapi/route-schema.js';
import { object, ref, string, boolean, time } from '../openapi/components.js';

/** A stored batch as a poller sees it: `processing` until it ends, as the 202 said. */
function batchView(batch: BatchProgress) {
  return { ...batch, status: batch.status === 'pending' ? 'processing' : batch.status };
}

export function registerBulkRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post(
    '/transactions/bulk',
    described({
      tags: ['Transactions'],
      summary: 'Record up to 10,000 transactions in one request',
      body: object(
        {
          transactions: { type: 'array', items: ref('TransactionRequest') },
          inflight: boolean(),
          atomic: boolean(),
          run_async: boolean(),
          skip_queue: boolean(),
          dry_run: boolean(),
        },
        ['transactions'],
      ),
      answers: {
        201: object({ batch_id: string(), status: string('applied or inflight'), transaction_count: { type: 'integer' } }),
        202: object({ message: string(), batch_id: string(), status: string('processing') }),
        200: object({}, []),
      },
      errors: ['TXN_BULK_EMPTY', 'TXN_BULK_LIMIT_EXCEEDED', ...POSTING_ERRORS],
    }),
    async (request, reply) => {
      const bulk = parseBulkRequest(request.body);
      const { transactions, inflight, atomic, skip_queue } = request.body as Record<string, unknown>;
      const recorded = await ctx.engine.recordBulk(bulk, { transactions, inflight, atomic, skip_queue });
      if (recorded.kind === 'preview') return reply.status(200).send(recorded.answer);
      if (recorded.kind === 'stored') {
        return reply
          .status(202)
          .send({ message: 'Bulk transaction processing started', batch_id: recorded.batch_id, status: 'processing' });
      }
      return reply.status(201).send({ batch_id: recorded.batch_id, ...recorded.outcome });
    },
  );

  // Kassa's own (Blnk has no way to follow a `run_async` batch but its webhooks).
  app.get<{ Params: { batch_id: string } }>(
    '/transactions/bulk/:batch_id',
    described({
      tags: ['Transactions'],
      summary: 'Follow a run_async bulk batch (Kassa)',
      params: { batch_id: 'the batch id of the 202' },
      answers: {
        200: object({
          batch_id: string(),
          status: { type: 'string', enum: ['processing', 'applied', 'inflight', 'failed'] },
          transaction_count: { type: 'integer' },
          recorded_count: { type: 'integer' },
          attempts: { type: 'integer' },
          error: { type: ['string', 'null'] },
          created_at: time(),
          finished_at: { type: ['string', 'null'], format: 'date-time' },
        }),
      },
      errors: ['TXN_NOT_FOUND'],
    }),
    async (request) => {
      const batch = await ctx.engine.findBulkBatch(request.params.batch_id);
      if (!batch) throw new ApiError('TXN_NOT_FOUND', 'bulk batch not found: only run_async batches are kept');
      return batchView(batch);
    },
  );
}
