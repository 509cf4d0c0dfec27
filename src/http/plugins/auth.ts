// Authentication and authorization of every request, unknown routes included, in Blnk's decision
// order (blnk-auth.md §2.2): public path -> open mode -> missing key -> master -> unknown key ->
// expired or revoked -> unknown resource -> missing scope -> hooks are master-only -> principal.
// The resource comes from the raw path before routing (src/auth/route-scopes.ts).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiKeyStore } from '../../auth/api-keys.js';
import { digestKey, isMasterDigest, masterDigest } from '../../auth/keys.js';
import { HOOKS_MASTER_ONLY_MESSAGE, type Principal } from '../../auth/principal.js';
import { isReadLikePost, requiredScope } from '../../auth/route-scopes.js';
import { hasPermission } from '../../auth/scopes.js';
import type { Config } from '../../config/config.js';
import { ApiError, type ErrorCode } from '../../errors.js';
import type { Metrics } from '../../metrics.js';
import type { RequestLimiter } from './rate-limit.js';
import { isPlainObject } from '../validation.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth plugin; undefined only on the public paths (/, /health, /metrics). */
    principal: Principal | undefined;
  }
}

export const GENERATED_BY_FIELD = 'BLNK_GENERATED_BY';
const METADATA_ROUTE = '/:id/metadata';
const MASTER: Principal = { kind: 'master', open: false };
const OPEN_MASTER: Principal = { kind: 'master', open: true };

export interface RegisteredRoute {
  method: string;
  url: string;
}

const registeredRoutes = new WeakMap<FastifyInstance, RegisteredRoute[]>();

/** Every route registered after the auth plugin, for the test that each one has a scope. */
export function routesOf(app: FastifyInstance): readonly RegisteredRoute[] {
  return registeredRoutes.get(app) ?? [];
}

export interface AuthDependencies {
  config: Config;
  apiKeys: ApiKeyStore;
  metrics: Metrics;
  limiter: RequestLimiter;
}

export function registerAuth(app: FastifyInstance, { config, apiKeys, metrics, limiter }: AuthDependencies): void {
  const failures = metrics.counter(
    'kassa_auth_failures_total',
    'Requests refused by authentication or authorization, by error code.',
  );
  const refuse = (request: FastifyRequest, path: string, code: ErrorCode, message: string): ApiError => {
    failures.inc({ code });
    // Never the key: only what identifies the request.
    request.log.warn({ code, method: request.method, path, client_ip: request.ip }, 'authentication failed');
    return new ApiError(code, message);
  };

  const master = masterDigest(config.server.secret_key);
  app.decorateRequest('principal', undefined);
  const routes: RegisteredRoute[] = [];
  registeredRoutes.set(app, routes);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });

  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?', 1)[0];
    const required = requiredScope(request.method, path);
    const address = limiter.addressBucket(request);
    if (required.kind === 'public' || !config.server.secure) {
      limiter.take(address, reply);
      if (required.kind !== 'public') request.principal = OPEN_MASTER;
      return;
    }
    const presented = request.headers['x-blnk-key'];
    if (typeof presented !== 'string' || presented === '') {
      limiter.take(address, reply);
      throw refuse(request, path, 'AUTH_MISSING_API_KEY', 'Authentication required. Use X-Blnk-Key header');
    }
    const digest = digestKey(presented);
    if (isMasterDigest(digest, master)) {
      limiter.take('master', reply);
      request.principal = MASTER;
      return;
    }
    const hash = digest.toString('hex');
    // An address out of tokens gets no database lookup for a key this process does not know.
    if (!apiKeys.isCached(hash)) limiter.check(address, reply);
    // A lookup that fails (the database is down) is not a verdict on the key: the error answers 503.
    const verification = await apiKeys.verify(presented, hash);
    if (verification.status !== 'valid') limiter.take(address, reply);
    if (verification.status === 'invalid') throw refuse(request, path, 'AUTH_INVALID_API_KEY', 'Invalid API key');
    if (verification.status === 'expired') {
      throw refuse(request, path, 'AUTH_EXPIRED_API_KEY', 'API key is expired or revoked');
    }
    limiter.take(`key:${verification.row.api_key_id}`, reply);
    if (required.kind === 'unknown_resource') throw refuse(request, path, 'AUTH_UNKNOWN_RESOURCE', 'Unknown resource type');
    const { row } = verification;
    if (!hasPermission(row.scopes, required.resource, required.action)) {
      throw refuse(
        request,
        path,
        'AUTH_INSUFFICIENT_PERMISSIONS',
        `Insufficient permissions for ${required.resource}:${required.action ?? ''}`,
      );
    }
    if (required.resource === 'hooks') throw refuse(request, path, 'AUTH_MASTER_KEY_REQUIRED', HOOKS_MASTER_ONLY_MESSAGE);
    request.principal = {
      kind: 'api_key',
      api_key_id: row.api_key_id,
      owner_id: row.owner_id,
      scopes: row.scopes,
      expires_at: row.expires_at,
    };
    apiKeys.noteUsed(row.api_key_id);
  });

  // What an API key creates says so: meta_data.BLNK_GENERATED_BY on every POST body it sends
  // (blnk-auth.md §2.5), read-like POSTs and metadata merges aside (a merge creates nothing, and
  // must not replace the creator's attribution). The parsed body is changed in place, so every
  // other value stays exact.
  app.addHook('preValidation', async (request) => {
    const principal = request.principal;
    if (principal?.kind !== 'api_key' || request.method !== 'POST' || !isPlainObject(request.body)) return;
    if (isReadLikePost(request.url.split('?', 1)[0]) || request.routeOptions.url === METADATA_ROUTE) return;
    const body = request.body;
    if (!isPlainObject(body.meta_data)) body.meta_data = {};
    (body.meta_data as Record<string, unknown>)[GENERATED_BY_FIELD] = principal.api_key_id;
  });
}
