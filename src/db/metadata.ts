// `POST /:entity-id/metadata` (blnk-contract.md platform §6.1): a shallow merge done by the database in one
// statement (`stored || posted`), so concurrent merges never lose each other's keys. A stored value
// that is not an object counts as `{}`.
import type { Queryable } from './database.js';
import { parentIs } from './transactions.js';

export type MetadataEntity = 'ledgers' | 'balances' | 'identities' | 'transactions';

const MERGED = `CASE WHEN jsonb_typeof(meta_data) = 'object' THEN meta_data ELSE '{}'::jsonb END || $2::jsonb`;

const UPDATES: Record<MetadataEntity, string> = {
  ledgers: `UPDATE ledgers SET meta_data = ${MERGED} WHERE ledger_id = $1 RETURNING meta_data`,
  balances: `UPDATE balances SET meta_data = ${MERGED} WHERE balance_id = $1 RETURNING meta_data`,
  identities: `UPDATE identities SET meta_data = ${MERGED} WHERE identity_id = $1 RETURNING meta_data`,
  // The row with that id and every row derived from it (queue copy, split legs, bulk items).
  transactions: `UPDATE transactions SET meta_data = ${MERGED} WHERE transaction_id = $1 OR ${parentIs('parent_transaction', '$1')} RETURNING meta_data`,
};

/** The merged meta_data of every updated row; empty when no row has that id. */
export async function mergeMetadata(
  db: Queryable,
  entity: MetadataEntity,
  id: string,
  meta_data: Record<string, unknown>,
): Promise<Record<string, unknown>[]> {
  const rows = await db.query<{ meta_data: Record<string, unknown> }>(UPDATES[entity], [id, meta_data]);
  return rows.map((row) => row.meta_data);
}
