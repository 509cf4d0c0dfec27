// The bulk request (blnk-contract.md ledger §1.4, §7): 1..10 000 RecordTransaction items and the batch flags.
// Every item is validated like POST /transactions before anything is processed; the first invalid
// item refuses the whole request as `transactions[<i>]: <message>`.
import { ApiError } from '../errors.js';
import { malformedTransaction, parseTransactionRequest, type TransactionRequest } from './transaction-request.js';

export const BULK_ITEMS_MAX = 10_000;

export interface BulkRequest {
  items: TransactionRequest[];
  inflight: boolean;
  atomic: boolean;
  run_async: boolean;
  skip_queue: boolean;
  dry_run: boolean;
}

function flag(body: Record<string, unknown>, field: string): boolean {
  const value = body[field];
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw malformedTransaction(field, 'a boolean');
  return value;
}

/** An item's refusal, named by its index (0-based, as Blnk prints it). */
export function itemError(index: number, error: unknown): unknown {
  if (!(error instanceof ApiError)) return error;
  if (error.code === 'GEN_MALFORMED_REQUEST') {
    const { field, expected } = error.options.details as { field: string; expected: string };
    return malformedTransaction(`transactions[${index}].${field}`, expected);
  }
  return new ApiError('TXN_VALIDATION_ERROR', `transactions[${index}]: ${error.message}`, {
    legacyKey: 'errors',
    details: { index },
  });
}

/** The validated request, or the ApiError Blnk answers with; nothing is processed on a refusal. */
export function parseBulkRequest(body: unknown): BulkRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw malformedTransaction('body', 'a JSON object');
  const b = body as Record<string, unknown>;
  const list = b.transactions;
  if (list !== undefined && list !== null && !Array.isArray(list)) throw malformedTransaction('transactions', 'an array');
  const flags = {
    inflight: flag(b, 'inflight'),
    atomic: flag(b, 'atomic'),
    run_async: flag(b, 'run_async'),
    skip_queue: flag(b, 'skip_queue'),
    dry_run: flag(b, 'dry_run'),
  };
  if (!Array.isArray(list) || list.length === 0) throw new ApiError('TXN_BULK_EMPTY', 'transactions cannot be empty');
  if (list.length > BULK_ITEMS_MAX) {
    throw new ApiError('TXN_BULK_LIMIT_EXCEEDED', `too many transactions; max is ${BULK_ITEMS_MAX}`);
  }
  const items = list.map((item: unknown, index) => {
    if (item === null) throw itemError(index, new ApiError('TXN_VALIDATION_ERROR', 'transaction cannot be null'));
    try {
      return parseTransactionRequest(item);
    } catch (error) {
      throw itemError(index, error);
    }
  });
  return { items, ...flags };
}
