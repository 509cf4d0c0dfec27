// Meta keys the server writes itself (group membership, attribution, rejection reasons, reconciliation) are never
// taken from a client: a body that sets one, on any create or on a metadata merge, is 400 naming the
// key (our deviation: Blnk stores or overwrites them). Runs before auth adds BLNK_GENERATED_BY.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '../../errors.js';
import { QUEUED_PARENT_KEY, REJECTION_REASON_KEY } from '../../engine/accept/transaction-rows.js';
import { isPlainObject } from '../validation.js';
import { RECONCILED_META_KEYS } from '../../db/reconciliations.js';
import { GENERATED_BY_FIELD } from './auth.js';

const SERVER_META_KEYS: readonly string[] = [QUEUED_PARENT_KEY, GENERATED_BY_FIELD, REJECTION_REASON_KEY];
/** Also the keys a reconciliation run writes to the transactions it matched: on transactions only. */
const TRANSACTION_META_KEYS: readonly string[] = [...SERVER_META_KEYS, ...RECONCILED_META_KEYS];
/** Routes that write transactions: by their pattern, and the metadata route by its decoded id. */
function writesTransactions(request: FastifyRequest): boolean {
  const route = request.routeOptions.url ?? '';
  if (route === '/:id/metadata') {
    const { id } = request.params as { id?: unknown };
    return typeof id === 'string' && (id.startsWith('txn_') || id.startsWith('bulk_'));
  }
  return route.startsWith('/transactions') || route.startsWith('/refund-transaction');
}

function checkMeta(meta: unknown, field: string, keys: readonly string[]): void {
  if (!isPlainObject(meta)) return;
  const key = keys.find((name) => Object.hasOwn(meta, name));
  if (key === undefined) return;
  throw new ApiError('GEN_BAD_REQUEST', `${field}.${key}: this key is written by the server and cannot be set`, {
    details: { field: `${field}.${key}` },
  });
}

export function registerServerMeta(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const body = request.body;
    if (!isPlainObject(body)) return;
    const keys = writesTransactions(request) ? TRANSACTION_META_KEYS : SERVER_META_KEYS;
    checkMeta(body.meta_data, 'meta_data', keys);
    if (Array.isArray(body.transactions)) {
      body.transactions.forEach((item: unknown, i) => {
        if (isPlainObject(item)) checkMeta(item.meta_data, `transactions[${i}].meta_data`, keys);
      });
    }
  });
}
