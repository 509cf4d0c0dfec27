// `POST /:entity-id/metadata`: the entity type comes from the id's prefix (blnk-platform.md §6.1).
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../errors.js';
import { mergeMetadata, type MetadataEntity } from '../../db/metadata.js';
import type { AppContext } from '../context.js';
import { isPlainObject } from '../validation.js';
import { described } from '../openapi/route-schema.js';
import { object, metaData } from '../openapi/components.js';

const ENTITY_BY_PREFIX: [string, MetadataEntity][] = [
  ['txn_', 'transactions'],
  ['bulk_', 'transactions'],
  ['ldg_', 'ledgers'],
  ['bln_', 'balances'],
  ['idt_', 'identities'],
];

export function registerMetadataRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post<{ Params: { id: string } }>(
    '/:id/metadata',
    described({
      tags: ['Metadata'],
      summary: 'Merge metadata into a ledger, balance, transaction or identity',
      params: { id: 'an id with its prefix: ldg_, bln_, txn_, bulk_, idt_' },
      body: object({ meta_data: { type: 'object', additionalProperties: true } }),
      answers: { 200: object({ meta_data: metaData }) },
      errors: ['META_INVALID_ENTITY_ID', 'META_ENTITY_NOT_FOUND', 'META_UNSUPPORTED_ENTITY', 'GEN_VALIDATION_ERROR'],
    }),
    async (request) => {
      const { id } = request.params;
      const entity = ENTITY_BY_PREFIX.find(([prefix]) => id.startsWith(prefix))?.[1];
      if (!entity) throw new ApiError('META_INVALID_ENTITY_ID', `invalid entity ID format: ${id}`);
      const body = request.body;
      if (!isPlainObject(body) || !isPlainObject(body.meta_data)) {
        throw new ApiError('GEN_MALFORMED_REQUEST', 'meta_data is required and must be a JSON object');
      }
      const posted = body.meta_data;
      const merged = await mergeMetadata(ctx.db, entity, id, posted);
      if (merged.length === 0) throw new ApiError('META_ENTITY_NOT_FOUND', 'entity not found');
      // Transactions answer with the posted keys only (several rows may have been updated).
      return { meta_data: entity === 'transactions' ? posted : merged[0] };
    },
  );
}
