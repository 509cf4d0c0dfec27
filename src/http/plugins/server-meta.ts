// Meta keys the server writes itself (group membership, attribution, rejection reasons, reconciliation) are never
// taken from a client: a body that sets one, on any create or on a metadata merge, is 400 naming the
// key (our deviation: Blnk stores or overwrites them). Runs before auth adds BLNK_GENERATED_BY.
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../errors.js';
import { QUEUED_PARENT_KEY, REJECTION_REASON_KEY } from '../../engine/rows.js';
import { isPlainObject } from '../validation.js';
import { RECONCILED_META_KEYS } from '../../db/reconciliations.js';
import { GENERATED_BY_FIELD } from './auth.js';

const SERVER_META_KEYS: readonly string[] = [
  QUEUED_PARENT_KEY,
  GENERATED_BY_FIELD,
  REJECTION_REASON_KEY,
  // written by a reconciliation run to the transactions it matched
  ...RECONCILED_META_KEYS,
];

function checkMeta(meta: unknown, field: string): void {
  if (!isPlainObject(meta)) return;
  const key = SERVER_META_KEYS.find((name) => Object.hasOwn(meta, name));
  if (key === undefined) return;
  throw new ApiError('GEN_BAD_REQUEST', `${field}.${key}: this key is written by the server and cannot be set`, {
    details: { field: `${field}.${key}` },
  });
}

export function registerServerMeta(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const body = request.body;
    if (!isPlainObject(body)) return;
    checkMeta(body.meta_data, 'meta_data');
    if (Array.isArray(body.transactions)) {
      body.transactions.forEach((item: unknown, i) => {
        if (isPlainObject(item)) checkMeta(item.meta_data, `transactions[${i}].meta_data`);
      });
    }
  });
}
