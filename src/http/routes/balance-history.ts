// Balances in the past: GET /balances/:id/at and POST /balances-snapshots (blnk-contract.md ledger §1.2, §10).
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../errors.js';
import { Balances } from '../../balances/balances.js';
import { SNAPSHOT_BATCH_SIZE_DEFAULT, SnapshotJob } from '../../engine/workers/snapshots.js';
import { isRfc3339 } from '../../time.js';
import type { AppContext } from '../context.js';
import { described } from '../openapi/route-schema.js';
import { object, money, string, boolean, time, messageAnswer } from '../openapi/components.js';

/** Larger requested batches are clamped: one statement must stay a bounded amount of work. */
export const SNAPSHOT_BATCH_SIZE_MAX = 10_000;

const INVALID_TIMESTAMP = 'invalid timestamp format. Please use ISO 8601 format (e.g., 2024-01-01T15:04:05Z)';

function firstValue(value: unknown): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : undefined;
}

export function registerBalanceHistoryRoutes(app: FastifyInstance, ctx: AppContext): void {
  const snapshots = new SnapshotJob(ctx.db, app.log);
  const balances = new Balances(ctx.db);
  app.addHook('onClose', () => snapshots.idle());

  app.get<{ Params: { id: string }; Querystring: Record<string, unknown> }>(
    '/balances/:id/at',
    described({
      tags: ['Balances'],
      summary: 'A balance as it was at a time',
      params: { id: 'balance id' },
      query: { timestamp: time(), from_source: boolean('replay transactions instead of reading snapshots') },
      answers: {
        200: object({
          balance: object({
            balance: money(),
            debit_balance: money(),
            credit_balance: money(),
            currency: string(),
            balance_id: string(),
          }),
          timestamp: time(),
          from_source: boolean(),
        }),
      },
      errors: ['BAL_INVALID_TIMESTAMP', 'BAL_NOT_FOUND'],
    }),
    async (request) => {
      const text = firstValue(request.query.timestamp) ?? '';
      if (text !== '' && !isRfc3339(text)) throw new ApiError('BAL_INVALID_TIMESTAMP', INVALID_TIMESTAMP);
      const timestamp = text || new Date().toISOString();
      const sourceFlag = firstValue(request.query.from_source);
      const from_source = sourceFlag === 'true' || sourceFlag === '1';
      const found = await balances.at(request.params.id, timestamp, from_source);
      return {
        balance: {
          balance: found.credit_balance - found.debit_balance,
          debit_balance: found.debit_balance,
          credit_balance: found.credit_balance,
          currency: found.currency,
          balance_id: found.balance_id,
        },
        timestamp,
        from_source,
      };
    },
  );

  app.post<{ Querystring: Record<string, unknown> }>(
    '/balances-snapshots',
    described({
      tags: ['Balances'],
      summary: 'Take balance snapshots now',
      query: { batch_size: { type: 'integer' } },
      answers: { 200: messageAnswer },
      errors: ['GEN_BAD_REQUEST'],
    }),
    async (request) => {
      const text = firstValue(request.query.batch_size);
      let batch_size = SNAPSHOT_BATCH_SIZE_DEFAULT;
      if (text !== undefined) {
        batch_size = /^[+-]?\d+$/.test(text) ? Number(text) : Number.NaN;
        if (!(batch_size > 0)) throw new ApiError('GEN_BAD_REQUEST', 'invalid batch_size value');
      }
      snapshots.request(Math.min(batch_size, SNAPSHOT_BATCH_SIZE_MAX));
      return { message: 'Snapshotting in progress. should be completed shortly' };
    },
  );
}
