// GET /metrics in Prometheus text format, registered only when enable_observability is on (404
// otherwise, as in Blnk). It never takes X-Blnk-Key: it has its own bearer token (blnk-contract.md auth §9.6).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../../config/config.js';
import { secretMatches } from '../../auth/key-material.js';
import { ApiError } from '../../errors.js';
import type { Metrics } from '../../metrics.js';
import { described } from '../openapi/route-schema.js';
import { string } from '../openapi/components.js';

const BEARER = 'Bearer ';

function checkBearer(request: FastifyRequest, server: Config['server']): void {
  const token = server.metrics_bearer_token;
  if (!token) {
    if (!server.secure) return;
    throw new ApiError(
      'AUTH_METRICS_DISABLED',
      'metrics endpoint disabled: metrics_bearer_token must be configured when secure mode is enabled',
    );
  }
  const header = request.headers.authorization;
  if (!header) throw new ApiError('AUTH_METRICS_TOKEN_REQUIRED', 'Authorization required for metrics endpoint');
  if (!header.startsWith(BEARER)) {
    throw new ApiError('AUTH_METRICS_TOKEN_REQUIRED', 'Authorization header must use Bearer scheme');
  }
  if (!secretMatches(header.slice(BEARER.length), token)) {
    throw new ApiError('AUTH_INVALID_BEARER_TOKEN', 'Invalid bearer token');
  }
}

/** `readDatabaseGauges` reads the database's gauges into `metrics` (queue depth and the like). */
export function registerMetricsRoute(
  app: FastifyInstance,
  config: Config,
  metrics: Metrics,
  readDatabaseGauges: () => Promise<void>,
): void {
  app.get(
    '/metrics',
    described({
      tags: ['System'],
      summary: 'Prometheus metrics (when enable_observability; bearer token when configured)',
      public: true,
      answers: { 200: string('Prometheus text format') },
      errors: ['AUTH_METRICS_TOKEN_REQUIRED', 'AUTH_INVALID_BEARER_TOKEN', 'AUTH_METRICS_DISABLED'],
    }),
    async (request, reply) => {
      checkBearer(request, config.server);
      // A database that does not answer leaves its gauges at their last values: the rest still shows.
      await readDatabaseGauges().catch((error: unknown) => request.log.warn({ err: error }, 'metrics: database gauges not read'));
      return reply.type(metrics.registry.contentType).send(await metrics.render());
    },
  );
}
