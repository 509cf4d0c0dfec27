// GET /transactions/chain/verify (Kassa's own, issue 16): replays the transaction hash chain and
// answers the first broken link, with a signed checkpoint of the head. Master key or audit:read.
import type { FastifyInstance } from 'fastify';
import { chainSettings, verifyHashChain } from '../../audit/hash-chain.js';
import type { AppContext } from '../context.js';
import { described } from '../openapi/route-schema.js';
import { object, string } from '../openapi/components.js';

export function registerHashChainRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get(
    '/transactions/chain/verify',
    described({
      tags: ['Security'],
      summary: 'Verify the transaction hash chain (Kassa; master key or audit:read)',
      answers: {
        200: object({
          enabled: { type: 'boolean' },
          valid: { type: 'boolean' },
          rows_checked: { type: 'integer' },
          first_broken: { type: ['object', 'null'], description: 'chain_seq, transaction_id and reason (hash, gap or head)' },
          checkpoint: object({
            chain_seq: string(),
            chain_hash: string(),
            signed_at: string(),
            signature: {
              type: ['string', 'null'],
              description: 'hex HMAC-SHA256 of "<chain_seq>|<chain_hash>|<signed_at>" with the master key',
            },
          }),
        }),
      },
      errors: [],
    }),
    async () => verifyHashChain(ctx.db, chainSettings(ctx.config)),
  );
}
