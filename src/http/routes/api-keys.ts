// API key management (blnk-contract.md auth §4, §5). The endpoint scope was checked by the auth plugin;
// here: body validation -> principal -> owner -> escalation -> storage, in that order.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { auditActor } from '../../audit/audit-log.js';
import { createApiKey, listApiKeys, revokeApiKey, rotateApiKey, type ApiKeyStore } from '../../auth/api-keys.js';
import { checkNoEscalation, effectiveOwner } from '../../auth/owners.js';
import { isKnownScope } from '../../auth/scopes.js';
import type { Principal } from '../../auth/principal.js';
import { formatGoDuration, parseGoDuration } from '../../config/duration.js';
import { ApiError } from '../../errors.js';
import { isRfc3339, ZERO_TIME } from '../../time.js';
import { createdApiKeyView, listedApiKeyView } from '../../views/api-keys.js';
import type { AppContext } from '../context.js';
import { bodyObject } from '../validation.js';
import { described } from '../openapi/route-schema.js';
import { arrayOf, object, ref, string, time } from '../openapi/components.js';

const malformed = (message: string) => new ApiError('GEN_MALFORMED_REQUEST', message);

export interface CreateKeyBody {
  name: string;
  owner: string;
  scopes: string[];
  expires_at: string;
}

/** All four fields are required (also `owner` for a scoped caller); scopes may be `[]`. */
export function parseCreateKeyBody(raw: unknown): CreateKeyBody {
  const body = bodyObject(raw);
  for (const field of ['name', 'owner'] as const) {
    if (typeof body[field] !== 'string' || body[field] === '') throw malformed(`${field} is required`);
  }
  const { scopes, expires_at } = body;
  if (!Array.isArray(scopes)) throw malformed('scopes is required and must be an array of strings');
  if (!scopes.every((scope) => typeof scope === 'string')) throw malformed('scopes must be an array of strings');
  if (!isRfc3339(expires_at) || Date.parse(expires_at) <= Date.parse(ZERO_TIME)) {
    throw malformed('expires_at is required and must be an RFC 3339 timestamp, e.g. 2027-06-13T00:00:00Z');
  }
  return { name: body.name as string, owner: body.owner as string, scopes, expires_at };
}

const invalidKey = (message: string) => new ApiError('APIKEY_INVALID', message);

/**
 * Our deviations (docs/compatibility.md), after the escalation check: a key born expired, a scope no
 * route knows, or a key minted by another key that would outlive it, is refused.
 */
function checkKeyTerms(principal: Principal, { scopes, expires_at }: CreateKeyBody): void {
  if (Date.parse(expires_at) <= Date.now()) throw invalidKey('expires_at: must be in the future');
  const unknown = scopes.find((scope) => !isKnownScope(scope));
  if (unknown !== undefined) {
    throw invalidKey(
      `scopes: unknown scope ${JSON.stringify(unknown)}; use <resource>:<read|write|delete|*> with a known resource or *`,
    );
  }
  checkNotOutlived(principal, expires_at);
}

/** A key minted by another key may not outlive it. */
function checkNotOutlived(principal: Principal, expires_at: string): void {
  if (principal.kind !== 'api_key' || principal.expires_at === undefined) return;
  if (Date.parse(expires_at) > Date.parse(principal.expires_at)) {
    throw invalidKey(`expires_at: cannot be later than the creating key's expires_at (${principal.expires_at})`);
  }
}

/** Kassa's own default: the replaced key keeps working this long unless the body says otherwise. */
export const DEFAULT_GRACE_PERIOD_MS = 24 * 3_600_000;

/** `{"grace_period": "<Go duration>"}`, optional, zero or more; no body at all is the default. */
export function parseRotateBody(raw: unknown): number {
  if (raw === undefined || raw === null) return DEFAULT_GRACE_PERIOD_MS;
  const body = bodyObject(raw);
  if (body.grace_period === undefined) return DEFAULT_GRACE_PERIOD_MS;
  const grace_ms = typeof body.grace_period === 'string' ? parseGoDuration(body.grace_period) : undefined;
  if (grace_ms === undefined || !Number.isFinite(grace_ms)) {
    throw invalidKey('grace_period: must be a duration such as "24h", "90m" or "0s"');
  }
  if (grace_ms < 0) throw invalidKey('grace_period: must not be negative');
  return grace_ms;
}

function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new ApiError('AUTH_MISSING_PRINCIPAL', 'authenticated API key principal missing');
  return request.principal;
}

function ownerQuery(request: FastifyRequest): string | undefined {
  const owner = (request.query as Record<string, unknown>).owner;
  const first = Array.isArray(owner) ? owner[0] : owner;
  return typeof first === 'string' ? first : undefined;
}

export function registerApiKeyRoutes(app: FastifyInstance, ctx: AppContext, apiKeys: ApiKeyStore): void {
  app.post(
    '/api-keys',
    described({
      tags: ['API keys'],
      summary: 'Create an API key (the key is shown once)',
      body: object({ name: string(), owner: string(), scopes: { type: 'array', items: string() }, expires_at: time() }),
      answers: { 201: ref('ApiKey') },
      errors: [
        'APIKEY_INVALID',
        'APIKEY_OWNER_REQUIRED',
        'AUTH_CROSS_OWNER_ACCESS',
        'AUTH_SCOPE_ESCALATION',
        'AUTH_MISSING_PRINCIPAL',
      ],
    }),
    async (request, reply) => {
      const body = parseCreateKeyBody(request.body);
      const principal = principalOf(request);
      const owner_id = effectiveOwner(principal, body.owner);
      checkNoEscalation(principal, body.scopes);
      checkKeyTerms(principal, body);
      const { row, key } = await createApiKey(
        ctx.db,
        { name: body.name, owner_id, scopes: body.scopes, expires_at: body.expires_at },
        auditActor(request),
      );
      return reply.status(201).send(createdApiKeyView(row, key, body.expires_at));
    },
  );

  app.get(
    '/api-keys',
    described({
      tags: ['API keys'],
      summary: 'List the API keys of an owner',
      query: { owner: string() },
      answers: { 200: arrayOf('ApiKey') },
      errors: ['APIKEY_OWNER_REQUIRED', 'AUTH_CROSS_OWNER_ACCESS', 'AUTH_MISSING_PRINCIPAL'],
    }),
    async (request) => {
      const owner_id = effectiveOwner(principalOf(request), ownerQuery(request));
      return (await listApiKeys(ctx.db, owner_id)).map(listedApiKeyView);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api-keys/:id',
    described({
      tags: ['API keys'],
      summary: 'Revoke an API key',
      params: { id: 'api key id' },
      query: { owner: string() },
      answers: { 204: null },
      errors: ['APIKEY_NOT_FOUND', 'APIKEY_OWNER_REQUIRED', 'AUTH_CROSS_OWNER_ACCESS', 'AUTH_MISSING_PRINCIPAL'],
    }),
    async (request, reply) => {
      const owner_id = effectiveOwner(principalOf(request), ownerQuery(request));
      if (!(await revokeApiKey(ctx.db, request.params.id, owner_id, auditActor(request)))) {
        throw new ApiError('APIKEY_NOT_FOUND', 'API key not found');
      }
      apiKeys.forget(request.params.id);
      return reply.status(204).send();
    },
  );

  app.post<{ Params: { id: string } }>(
    '/api-keys/:id/rotate',
    described({
      tags: ['API keys'],
      summary: 'Rotate an API key: a new key with the same terms; the old one works for the grace period (Kassa)',
      params: { id: 'api key id' },
      query: { owner: string() },
      body: object({ grace_period: string('Go duration, default 24h; 0s ends the old key now') }),
      answers: { 201: ref('ApiKey') },
      errors: [
        'APIKEY_NOT_FOUND',
        'APIKEY_INVALID',
        'APIKEY_NOT_ROTATABLE',
        'APIKEY_OWNER_REQUIRED',
        'AUTH_CROSS_OWNER_ACCESS',
        'AUTH_SCOPE_ESCALATION',
        'AUTH_MISSING_PRINCIPAL',
      ],
    }),
    async (request, reply) => {
      const grace_ms = parseRotateBody(request.body);
      const principal = principalOf(request);
      const owner_id = effectiveOwner(principal, ownerQuery(request));
      const rotation = await rotateApiKey(
        ctx.db,
        { api_key_id: request.params.id, owner_id, grace_ms },
        auditActor(request),
        (old) => {
          checkNoEscalation(principal, old.scopes);
          checkNotOutlived(principal, old.expires_at);
        },
      );
      apiKeys.forget(rotation.old.api_key_id);
      return reply.status(201).send({
        ...createdApiKeyView(rotation.row, rotation.key, rotation.row.expires_at),
        rotated_from: rotation.old.api_key_id,
        grace_period: formatGoDuration(grace_ms),
        previous_key_expires_at: rotation.old.expires_at,
      });
    },
  );
}
