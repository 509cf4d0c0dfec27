import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { described } from '../openapi/route-schema.js';
import { object, string } from '../openapi/components.js';

export const HEALTH_PING_TIMEOUT_MS = 3000;

export function registerSystemRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get(
    '/',
    described({
      tags: ['System'],
      summary: 'Whether the server runs',
      public: true,
      answers: { 200: string('"server running..."') },
    }),
    async (_request, reply) => reply.type('application/json; charset=utf-8').send('"server running..."'),
  );
  app.get(
    '/health',
    described({
      tags: ['System'],
      summary: 'Health: the database answers',
      public: true,
      answers: { 200: object({ status: string('UP') }), 503: object({ status: string('DOWN'), reason: string() }) },
    }),
    async (request, reply) => {
      try {
        await ctx.db.ping(HEALTH_PING_TIMEOUT_MS);
        return { status: 'UP' };
      } catch (error) {
        request.log.warn({ err: error }, 'health check: database ping failed');
        return reply.status(503).send({ status: 'DOWN', reason: 'database unreachable' });
      }
    },
  );
}
