// `POST /:entity-id/metadata` (blnk-contract.md platform §6.1): the entity type comes from the id's prefix,
// the posted keys are merged into the stored meta_data.
import type { Database } from '../db/database.js';
import { mergeMetadata, type MetadataEntity } from '../db/metadata.js';
import { ApiError } from '../errors.js';

const ENTITY_BY_PREFIX: [string, MetadataEntity][] = [
  ['txn_', 'transactions'],
  ['bulk_', 'transactions'],
  ['ldg_', 'ledgers'],
  ['bln_', 'balances'],
  ['idt_', 'identities'],
];

/** The kind of entity an id names, by its prefix; 400 for an id of no known kind. */
export function metadataEntity(id: string): MetadataEntity {
  const entity = ENTITY_BY_PREFIX.find(([prefix]) => id.startsWith(prefix))?.[1];
  if (!entity) throw new ApiError('META_INVALID_ENTITY_ID', `invalid entity ID format: ${id}`);
  return entity;
}

export class Metadata {
  constructor(private readonly db: Database) {}

  /** The meta_data to answer with: transactions answer the posted keys (several rows may have changed). */
  async merge(id: string, posted: Record<string, unknown>): Promise<Record<string, unknown>> {
    const entity = metadataEntity(id);
    const merged = await mergeMetadata(this.db, entity, id, posted);
    if (merged.length === 0) throw new ApiError('META_ENTITY_NOT_FOUND', 'entity not found');
    return entity === 'transactions' ? posted : merged[0];
  }
}
