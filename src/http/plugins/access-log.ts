// One line per request: method, path without the query string, status, latency. Headers and bodies
// are never logged, so neither keys nor query-string secrets reach the log.
import type { FastifyInstance } from 'fastify';

export function registerAccessLog(app: FastifyInstance): void {
  app.addHook('onResponse', async (request, reply) => {
    const path = request.url.split('?', 1)[0];
    request.log.info(
      {
        method: request.method,
        path,
        status: reply.statusCode,
        latency_ms: Math.round(reply.elapsedTime * 100) / 100,
        client_ip: request.ip,
      },
      'http request',
    );
  });
}
