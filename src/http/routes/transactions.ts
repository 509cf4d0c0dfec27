import type { FastifyInstance } from 'fastify';
import { formatGoDuration, parseGoDuration } from '../../config/duration.js';
import { RECOVERY_THRESHOLD_DEFAULT_MS } from '../../engine/features/recover.js';
import { ApiError } from '../../errors.js';
import { parseTransactionRequest } from '../../ledger/transaction-request.js';
import type { AppContext } from '../context.js';
import { transactionView } from '../../views/entities.js';
import { described, POSTING_ERRORS } from '../openapi/route-schema.js';
import { object, ref, string } from '../openapi/components.js';

const transactionNotFound = () => new ApiError('TXN_NOT_FOUND', 'transaction not found');

export function registerTransactionRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { engine } = ctx;
  app.post(
    '/transactions',
    described({
      tags: ['Transactions'],
      summary: 'Record a transaction (queued unless skip_queue)',
      description:
        'A split (sources or destinations) answers with its parent and each leg id. dry_run answers 200 with the projection and changes nothing.',
      body: ref('TransactionRequest'),
      answers: { 201: ref('Transaction'), 200: object({}, []) },
      errors: POSTING_ERRORS,
    }),
    async (request, reply) => {
      const txn = parseTransactionRequest(request.body);
      const recorded = await engine.record(txn);
      if (recorded.kind === 'preview') return reply.status(200).send(recorded.answer);
      if (recorded.kind === 'split') return reply.status(201).send(recorded.answer);
      const view = transactionView(recorded.row);
      if (recorded.queued) {
        // Blnk answers a queued create with the identifiers and amount as sent.
        view.source = txn.source;
        view.destination = txn.destination;
        if (txn.amount !== 0) view.amount = txn.amount;
      }
      return reply.status(201).send(view);
    },
  );

  app.post<{ Querystring: { threshold?: string } }>(
    '/transactions/recover',
    described({
      tags: ['Transactions'],
      summary: 'Queue again the transactions stuck as QUEUED longer than threshold',
      query: { threshold: string('Go duration, default 2m') },
      answers: { 200: object({ recovered: { type: 'integer' }, threshold: string() }) },
      errors: ['GEN_VALIDATION_ERROR'],
    }),
    async (request) => {
      const text = request.query.threshold;
      const threshold_ms = text === undefined || text === '' ? RECOVERY_THRESHOLD_DEFAULT_MS : parseGoDuration(text);
      if (threshold_ms === undefined) {
        throw new ApiError('GEN_VALIDATION_ERROR', `invalid threshold duration: ${text}`);
      }
      const recovered = await engine.recover(threshold_ms);
      return { recovered, threshold: formatGoDuration(threshold_ms) };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/transactions/:id',
    described({
      tags: ['Transactions'],
      summary: 'Read a transaction',
      params: { id: 'transaction id' },
      answers: { 200: ref('Transaction') },
      errors: ['TXN_NOT_FOUND'],
    }),
    async (request) => {
      const row = await engine.findTransaction(request.params.id);
      if (!row) throw transactionNotFound();
      return transactionView(row);
    },
  );

  app.get<{ Params: { reference: string } }>(
    '/transactions/reference/:reference',
    described({
      tags: ['Transactions'],
      summary: 'Read a transaction by reference',
      params: { reference: 'the reference' },
      answers: { 200: ref('Transaction') },
      errors: ['TXN_NOT_FOUND'],
    }),
    async (request) => {
      const row = await engine.findTransactionByReference(request.params.reference);
      if (!row) throw transactionNotFound();
      return transactionView(row);
    },
  );
}
