// Authentication and authorization of every request, unknown routes included, in Blnk's decision
// order (blnk-contract.md auth §2.2): public path -> open mode -> missing key -> master -> unknown key ->
// expired or revoked -> unknown resource -> missing scope -> hooks are master-only -> principal.
// The resource comes from the raw path before routing (src/auth/route-scopes.ts).
// Kassa's own around it (docs/operations.md "Security operations"): previous master keys still
// work and say so; every refusal and every master-key use is counted into the audit log; an address
// with too many failed authentications raises security.auth_failures and may be blocked with 429.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { auditActor, recordAudit, type AuditLog } from '../../audit/audit-log.js';
import type { ApiKeyStore } from '../../auth/api-keys.js';
import { AuthFailureWatch, type Crossing } from '../../auth/failure-watch.js';
import { digestKey, isMasterDigest, KEY_HINT_LENGTH, masterDigest } from '../../auth/key-material.js';
import { HOOKS_MASTER_ONLY_MESSAGE, type Principal } from '../../auth/principal.js';
import type { Database } from '../../db/database.js';
import { recordEvent } from '../../events/outbox.js';
import { isReadLikePost, requiredScope } from '../../auth/route-scopes.js';
import { hasPermission } from '../../auth/scopes.js';
import type { Config } from '../../config/config.js';
import { ApiError, type ErrorCode } from '../../errors.js';
import type { Metrics } from '../../metrics.js';
import type { RequestLimiter } from './rate-limit.js';
import { isPlainObject } from '../validation.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered after the auth plugin (for the test that each one has a scope). */
    registeredRoutes: RegisteredRoute[];
  }
  interface FastifyRequest {
    /** Set by the auth plugin; undefined only on the public paths (/, /health, /metrics). */
    principal: Principal | undefined;
  }
}

export const GENERATED_BY_FIELD = 'BLNK_GENERATED_BY';
const METADATA_ROUTE = '/:id/metadata';
const MASTER: Principal = { kind: 'master', open: false };
const PREVIOUS_MASTER: Principal = { kind: 'master', open: false, previous: true };
const OPEN_MASTER: Principal = { kind: 'master', open: true };
const BLOCKED_MESSAGE = 'Too many failed authentications from this address; try again later';
/** The shape of a Kassa API key: only such a key's first characters are kept as a hint of a failure. */
const API_KEY_SHAPE = /^[A-Za-z0-9_-]{43}=$/;
/** 401s: a key missing, unknown or no longer valid. What the failure watch counts. */
const AUTHENTICATION_FAILURES: ReadonlySet<ErrorCode> = new Set([
  'AUTH_MISSING_API_KEY',
  'AUTH_INVALID_API_KEY',
  'AUTH_EXPIRED_API_KEY',
]);

export interface RegisteredRoute {
  method: string;
  url: string;
}

/** Every route registered after the auth plugin, for the test that each one has a scope. */
export function routesOf(app: FastifyInstance): readonly RegisteredRoute[] {
  return app.registeredRoutes;
}

export interface AuthDependencies {
  config: Config;
  db: Database;
  apiKeys: ApiKeyStore;
  metrics: Metrics;
  limiter: RequestLimiter;
  audit: AuditLog;
}

/** The first characters of a presented key that looks like an API key; nothing of any other text. */
function keyHintOf(presented: unknown): string | undefined {
  return typeof presented === 'string' && API_KEY_SHAPE.test(presented) ? presented.slice(0, KEY_HINT_LENGTH) : undefined;
}

/**
 * Refusing a request: the failure counted (metrics, audit), the address watched, and a crossing of the
 * failure threshold alerted (log, audit row, `security.auth_failures` event); an address blocked by
 * the watch is refused before any key lookup.
 */
function authRefusals(deps: AuthDependencies) {
  const { config, metrics, audit } = deps;
  const watch = new AuthFailureWatch({
    threshold: config.security.auth_failure_threshold,
    window_ms: config.security.auth_failure_window_ms,
    block_ms: config.security.auth_failure_block_ms,
  });
  const alert = (request: FastifyRequest, crossing: Crossing) => {
    metrics.authFailureAlerts.inc();
    const data = {
      source_address: request.ip,
      failures: crossing.failures,
      window_seconds: config.security.auth_failure_window_ms / 1000,
      blocked_until: crossing.blocked_until_ms > 0 ? new Date(crossing.blocked_until_ms).toISOString() : null,
      detected_at: new Date().toISOString(),
    };
    request.log.warn(data, 'SECURITY: failed authentications from one address reached the threshold');
    const who = { actor: 'anonymous', owner_id: null, source_address: request.ip, route: null };
    deps.db
      .transaction(async (tx) => {
        await recordAudit(tx, who, 'security.auth_failures', data, 'alert');
        await recordEvent(tx, 'security.auth_failures', data);
      })
      .catch((error: unknown) => request.log.error({ err: error }, 'security alert not recorded'));
  };
  const refuse = (request: FastifyRequest, path: string, code: ErrorCode, message: string): ApiError => {
    metrics.authFailures.inc({ code });
    // Never the key: only what identifies the request.
    request.log.warn({ code, method: request.method, path, client_ip: request.ip }, 'authentication failed');
    const who = auditActor(request);
    if (code === 'AUTH_INSUFFICIENT_PERMISSIONS') {
      audit.count(who, 'api_key.scope_denied', code);
    } else {
      const key_hint = keyHintOf(request.headers['x-blnk-key']);
      audit.count(who, 'auth.failure', code, key_hint ? { key_hint } : {});
    }
    if (AUTHENTICATION_FAILURES.has(code)) {
      const crossing = watch.note(request.ip, Date.now());
      if (crossing) alert(request, crossing);
    }
    return new ApiError(code, message);
  };
  const refuseIfBlocked = (request: FastifyRequest, reply: FastifyReply) => {
    const blocked_ms = watch.blockedFor(request.ip, Date.now());
    if (blocked_ms === 0) return;
    metrics.blockedRequests.inc();
    reply.header('retry-after', String(Math.ceil(blocked_ms / 1000)));
    throw new ApiError('GEN_RATE_LIMITED', BLOCKED_MESSAGE);
  };
  return { refuse, refuseIfBlocked };
}

export function registerAuth(app: FastifyInstance, deps: AuthDependencies): void {
  const { config, apiKeys, metrics, limiter } = deps;
  const { refuse, refuseIfBlocked } = authRefusals(deps);

  const master = masterDigest(config.server.secret_key);
  const previousMasters = config.server.previous_secret_keys.map((key) => masterDigest(key));
  app.decorateRequest('principal', undefined);
  const routes: RegisteredRoute[] = [];
  app.decorate('registeredRoutes', routes);
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
    refuseIfBlocked(request, reply);
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
    const previous = previousMasters.findIndex((candidate) => isMasterDigest(digest, candidate));
    if (previous >= 0) {
      limiter.take('master', reply);
      request.principal = PREVIOUS_MASTER;
      request.log.warn({ previous_key: previous + 1 }, 'SECURITY: a previous master key was used; the current key replaces it');
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
    const { row } = verification;
    // Set before the checks below so that their refusals name the key that was refused.
    request.principal = {
      kind: 'api_key',
      api_key_id: row.api_key_id,
      owner_id: row.owner_id,
      scopes: row.scopes,
      expires_at: row.expires_at,
    };
    metrics.apiKeyRequests.inc({ api_key_id: row.api_key_id });
    apiKeys.noteUsed(row.api_key_id, auditActor(request));
    if (required.kind === 'unknown_resource') throw refuse(request, path, 'AUTH_UNKNOWN_RESOURCE', 'Unknown resource type');
    if (!hasPermission(row.scopes, required.resource, required.action)) {
      throw refuse(
        request,
        path,
        'AUTH_INSUFFICIENT_PERMISSIONS',
        `Insufficient permissions for ${required.resource}:${required.action ?? ''}`,
      );
    }
    if (required.resource === 'hooks') throw refuse(request, path, 'AUTH_MASTER_KEY_REQUIRED', HOOKS_MASTER_ONLY_MESSAGE);
  });
  registerMasterKeyAudit(app, deps);
  registerGeneratedBy(app);
}

function registerMasterKeyAudit(app: FastifyInstance, { metrics, audit }: AuthDependencies): void {
  // Every use of the master key is counted into the audit log with its route and outcome.
  app.addHook('onResponse', async (request, reply) => {
    const principal = request.principal;
    if (principal?.kind !== 'master' || principal.open) return;
    const key = principal.previous ? 'previous' : 'current';
    metrics.masterKeyUses.inc({ key });
    audit.count(
      auditActor(request),
      principal.previous ? 'master_key.previous_used' : 'master_key.used',
      String(reply.statusCode),
    );
  });
}

function registerGeneratedBy(app: FastifyInstance): void {
  // What an API key creates says so: meta_data.BLNK_GENERATED_BY on every POST body it sends
  // (blnk-contract.md auth §2.5), read-like POSTs and metadata merges aside (a merge creates nothing, and
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
