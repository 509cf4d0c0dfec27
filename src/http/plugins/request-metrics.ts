// Counts answered requests by method and status, and times them by route pattern, for /metrics.
import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../../metrics.js';

/** The route label of a request that matched no route: one series, whatever path was asked for. */
const UNMATCHED_ROUTE = '(unmatched)';

export function registerRequestMetrics(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', async (request, reply) => {
    const status = String(reply.statusCode);
    metrics.httpRequests.inc({ method: request.method, status });
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    metrics.httpDuration.observe({ method: request.method, route, status }, reply.elapsedTime / 1000);
  });
}
