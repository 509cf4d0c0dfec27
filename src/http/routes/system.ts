import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';

export const HEALTH_PING_TIMEOUT_MS = 3000;

export function registerSystemRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/', async (_request, reply) => reply.type('application/json; charset=utf-8').send('"server running..."'));
  app.get('/health', async (request, reply) => {
    try {
      await ctx.db.ping(HEALTH_PING_TIMEOUT_MS);
      return { status: 'UP' };
    } catch (error) {
      request.log.warn({ err: error }, 'health check: database ping failed');
      return reply.status(503).send({ status: 'DOWN', reason: 'database unreachable' });
    }
  });
}
