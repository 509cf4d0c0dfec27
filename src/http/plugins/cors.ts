// CORS for browser clients (`server.cors_origins`, Kassa's own; Blnk has none). Off unless origins are
// configured: then @fastify/cors adds the headers to every answer and answers preflights with 204.
// The plugin's hook runs before auth (registration order), so a preflight, which never carries
// X-Blnk-Key, is answered without one; the request that follows is authenticated as usual. A request
// without an Origin header is no CORS request: the plugin stays out of its way.
import cors, { type FastifyCorsOptions, type FastifyCorsOptionsDelegateCallback } from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

/** Headers a browser client may send, and those of our answers its script may read. */
const ALLOWED_HEADERS = ['Content-Type', 'X-Blnk-Key', 'X-Request-Id'];
const EXPOSED_HEADERS = ['X-Request-Id', 'Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'];
const PREFLIGHT_MAX_AGE_S = 600;

export function registerCors(app: FastifyInstance, origins: readonly string[]): void {
  if (origins.length === 0) return;
  const options: FastifyCorsOptions = {
    origin: origins.includes('*') ? '*' : [...origins],
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
    allowedHeaders: ALLOWED_HEADERS,
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: PREFLIGHT_MAX_AGE_S,
  };
  const off: FastifyCorsOptions = { origin: false };
  const delegate: FastifyCorsOptionsDelegateCallback = (request, done) =>
    done(null, typeof request.headers.origin === 'string' ? options : off);
  void app.register(cors, () => delegate);
}
