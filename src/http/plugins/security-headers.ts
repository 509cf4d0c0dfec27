// Security headers on every response, errors included (blnk-contract.md auth §9.4). HSTS only when the
// request reached us over HTTPS (as a proxy says with exactly `X-Forwarded-Proto: https`).
import type { FastifyInstance } from 'fastify';

const HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'cache-control': 'no-store',
};

export function registerSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    reply.headers(HEADERS);
    const proto = request.headers['x-forwarded-proto'];
    if (typeof proto === 'string' && proto.toLowerCase() === 'https') {
      reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
    }
  });
}
