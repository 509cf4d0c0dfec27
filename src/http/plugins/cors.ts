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
  // CORS applies to a request with an Origin; among OPTIONS only to a real preflight (one naming its
  // method), which the plugin answers. Any other OPTIONS goes on to auth and routing like any method.
  const delegate: FastifyCorsOptionsDelegateCallback = (request, done) => {
    const isCors = typeof request.headers.origin === 'string';
    const isPreflight = typeof request.headers['access-control-request-method'] === 'string';
    done(null, isCors && (request.method !== 'OPTIONS' || isPreflight) ? options : off);
  };
  void app.register(cors, () => delegate);
}
