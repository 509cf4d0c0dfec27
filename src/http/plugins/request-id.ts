// Every request has an id: the client's `X-Request-Id` when it is a short token (so a caller can
// follow its own id through our logs), a new UUID otherwise. Every log line written for the request
// carries it as `request_id`, and the answer sends it back in `X-Request-Id`.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { IncomingMessage } from 'node:http';

const CLIENT_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

export const REQUEST_ID_LOG_LABEL = 'request_id';

export function requestId(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && CLIENT_ID_PATTERN.test(given) ? given : randomUUID();
}

export function registerRequestId(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
}
