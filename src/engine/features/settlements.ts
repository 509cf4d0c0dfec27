// Commits and voids as the routes ask for them: one hold (directly, queued for the inflight worker, or
// as a dry run), or a list of up to BULK_INFLIGHT_MAX with Blnk's per-item answers and codes.
import type { Database } from '../../db/database.js';
import { groupPrecision } from '../../db/holds.js';
import { ApiError, INTERNAL_ERROR_MESSAGE } from '../../errors.js';
import type { InflightAction } from '../../ledger/inflight.js';
import { toPreciseAmount } from '../../ledger/money.js';
import type { SettlementAmounts } from '../../ledger/settlement-request.js';
import type { TransactionRow } from '../../ledger/records.js';
import { previewBulkSettlements, previewSettlement, type SettlementRequest } from '../preview/inflight.js';
import { queueSettlement, settleDirect } from './inflight.js';

export const BULK_INFLIGHT_MAX = 100;

/** Where an item's unexpected failure is logged (the request's logger). */
export interface ItemLog {
  error(fields: Record<string, unknown>, message: string): void;
}

export interface SettlementOptions {
  lock_wait_timeout_ms: number;
  enable_queued_checks: boolean;
  /** Tells the inflight workers that settlements were queued. */
  queued: () => void;
}

/** One item of a list: the hold's id and its amounts, or the refusal of its amounts. */
export type SettlementItem = { id: string; amounts: SettlementAmounts | ApiError };

/**
 * The amount to settle: `precise_amount` wins; `amount` is converted with the stored precision of the
 * target (§3.4); neither (or 0) means the whole remaining hold (null).
 */
async function requestedAmount(
  db: Database,
  id: string,
  amounts: SettlementAmounts,
  action: InflightAction,
): Promise<bigint | null> {
  if (action === 'void') return null;
  if (amounts.precise !== null) return amounts.precise;
  if (amounts.amount === 0) return null;
  if (amounts.amount < 0) throw new ApiError('TXN_INVALID_AMOUNT', 'commit amount cannot be negative');
  return toPreciseAmount(amounts.amount, await groupPrecision(db, id));
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

export type Settled = { kind: 'preview'; answer: unknown } | { kind: 'row'; row: TransactionRow; queued: boolean };

/** PUT /transactions/inflight/:id. */
export async function settleOne(
  db: Database,
  id: string,
  action: InflightAction,
  amounts: SettlementAmounts,
  request: { skip_queue: boolean; dry_run: boolean },
  options: SettlementOptions,
): Promise<Settled> {
  const requested = await requestedAmount(db, id, amounts, action);
  if (request.dry_run) {
    const answer = await previewSettlement(
      db,
      { id, action, requested, amount_sent: amounts.sent },
      { ...options, skip_queue: request.skip_queue },
    );
    return { kind: 'preview', answer };
  }
  if (request.skip_queue) return { kind: 'row', row: await settleDirect(db, id, action, requested, options), queued: false };
  const row = await queueSettlement(db, id, action, requested);
  options.queued();
  return { kind: 'row', row, queued: true };
}

/** The bulk endpoints: each item settled (or queued) on its own; a dry run projects them all. */
export async function settleMany(
  db: Database,
  items: readonly SettlementItem[],
  action: InflightAction,
  request: { skip_queue: boolean; dry_run: boolean },
  options: SettlementOptions,
  logger: ItemLog,
): Promise<unknown> {
  if (request.dry_run) {
    const requests: SettlementRequest[] = [];
    for (const { id, amounts } of items) {
      const settlement: SettlementRequest = {
        id,
        action,
        requested: null,
        amount_sent: !(amounts instanceof ApiError) && amounts.sent,
      };
      try {
        if (amounts instanceof ApiError) throw amounts;
        settlement.requested = await requestedAmount(db, id, amounts, action);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        settlement.error = error;
      }
      requests.push(settlement);
    }
    return previewBulkSettlements(db, requests, (error) => bulkCode(error).code, { ...options, skip_queue: request.skip_queue });
  }
  const results: Record<string, unknown>[] = [];
  let succeeded = 0;
  for (const { id, amounts } of items) {
    try {
      if (amounts instanceof ApiError) throw amounts;
      const requested = await requestedAmount(db, id, amounts, action);
      if (request.skip_queue) {
        await settleDirect(db, id, action, requested, options);
        results.push({ transaction_id: id, status: 'succeeded' });
      } else {
        try {
          await queueSettlement(db, id, action, requested);
          results.push({ transaction_id: id, status: 'queued', code: 'QUEUED' });
        } catch (error) {
          if (!(error instanceof ApiError && error.code === 'GEN_CONFLICT')) throw error;
          results.push({ transaction_id: id, status: 'queued', code: 'ALREADY_QUEUED' });
        }
      }
      succeeded += 1;
    } catch (error) {
      if (!(error instanceof ApiError)) logger.error({ err: error, transaction_id: id }, 'bulk inflight item failed');
      results.push({ transaction_id: id, status: 'failed', ...bulkCode(error) });
    }
  }
  if (!request.skip_queue) options.queued();
  return { succeeded, failed: items.length - succeeded, results };
}
