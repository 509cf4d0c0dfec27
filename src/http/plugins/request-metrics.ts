// Counts answered requests by method and status for /metrics.
import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../../metrics.js';

export function registerRequestMetrics(app: FastifyInstance, metrics: Metrics): void {
  const requests = metrics.counter('kassa_http_requests_total', 'HTTP requests answered, by method and status.');
  app.addHook('onResponse', async (request, reply) => {
    requests.inc({ method: request.method, status: String(reply.statusCode) });
  });
}
