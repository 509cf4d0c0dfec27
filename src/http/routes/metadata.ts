// `POST /:entity-id/metadata`: the entity type comes from the id's prefix (blnk-contract.md platform §6.1).
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../errors.js';
import { Metadata, metadataEntity } from '../../metadata/metadata.js';
import type { AppContext } from '../context.js';
import { isPlainObject } from '../validation.js';
import { described } from '../openapi/route-schema.js';
import { object, metaData } from '../openapi/components.js';

export function registerMetadataRoutes(app: FastifyInstance, ctx: AppContext): void {
  const metadata = new Metadata(ctx.db);
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
      // An id of no known kind is refused before the body is looked at.
      metadataEntity(id);
      const body = request.body;
      if (!isPlainObject(body) || !isPlainObject(body.meta_data)) {
        throw new ApiError('GEN_MALFORMED_REQUEST', 'meta_data is required and must be a JSON object');
      }
      return { meta_data: await metadata.merge(id, body.meta_data) };
    },
  );
}
