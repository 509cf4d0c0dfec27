// /hooks (blnk-contract.md platform §1.2, blnk-contract.md auth §6). The master-key gate is the auth plugin's; these
// handlers answer errors in the hooks' legacy bare envelope {code, message, details, error_detail}.
import type { FastifyInstance } from 'fastify';
import { ApiError, type ErrorCode } from '../../errors.js';
import { useJsonBodyParser } from '../plugins/json-body.js';
import { HookStore, type HookFields, type HookRow } from '../../events/hook-store.js';
import { registrationProblem, withRegistrationDefaults } from '../../events/hook-rules.js';
import { ZERO_TIME, isRfc3339 } from '../../time.js';
import type { AppContext } from '../context.js';
import { auditActor } from '../../audit/audit-log.js';
import { isPlainObject } from '../validation.js';
import { described } from '../openapi/route-schema.js';
import { arrayOf, object, ref, string, boolean, messageAnswer } from '../openapi/components.js';

type LegacyCode = 'INVALID_INPUT' | 'NOT_FOUND';

function hookError(code: ErrorCode, legacy: LegacyCode, message: string): ApiError {
  return new ApiError(code, message, { legacyKey: 'none', extra: { code: legacy, message, details: {} } });
}

const invalidHookData = () => hookError('HOOK_INVALID', 'INVALID_INPUT', 'invalid hook data');

export function hookView(row: HookRow): Record<string, unknown> {
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    type: row.type,
    active: row.active,
    timeout: row.timeout,
    retry_count: row.retry_count,
    created_at: row.created_at,
    last_run: row.last_run ?? ZERO_TIME,
    last_success: row.last_success,
  };
}

const INT32_MAX = 2 ** 31 - 1;

/** The body as Blnk binds it into its Hook struct: absent or null fields are zero values, wrong types refuse. */
function parseHook(body: unknown): HookFields {
  if (!isPlainObject(body)) throw invalidHookData();
  const text = (key: string): string => {
    const value = body[key];
    if (value === undefined || value === null) return '';
    if (typeof value !== 'string') throw invalidHookData();
    return value;
  };
  const integer = (key: string): number => {
    const value = body[key];
    if (value === undefined || value === null) return 0;
    if (typeof value !== 'number' || !Number.isInteger(value) || Math.abs(value) > INT32_MAX) throw invalidHookData();
    return value;
  };
  const flag = (key: string): boolean => {
    const value = body[key];
    if (value === undefined || value === null) return false;
    if (typeof value !== 'boolean') throw invalidHookData();
    return value;
  };
  for (const key of ['created_at', 'last_run']) {
    const value = body[key];
    if (value !== undefined && value !== null && !isRfc3339(value)) throw invalidHookData();
  }
  flag('last_success');
  return {
    id: text('id'),
    name: text('name'),
    url: text('url'),
    type: text('type'),
    active: flag('active'),
    timeout: integer('timeout'),
    retry_count: integer('retry_count'),
  };
}

export function registerHookRoutes(app: FastifyInstance, ctx: AppContext): void {
  const hooks = new HookStore(ctx.db);
  app.register(async (scope) => {
    // A malformed body is HOOK_INVALID here, not the generic GEN_MALFORMED_REQUEST.
    useJsonBodyParser(scope, invalidHookData);

    scope.post(
      '/hooks',
      described({
        tags: ['Hooks'],
        summary: 'Register a transaction hook (master key only)',
        body: object(
          {
            name: string(),
            url: string(),
            type: string(),
            active: boolean(),
            timeout: { type: 'integer' },
            retry_count: { type: 'integer' },
          },
          ['url', 'type'],
        ),
        answers: { 201: ref('Hook') },
        errors: ['HOOK_INVALID', 'GEN_CONFLICT', 'AUTH_MASTER_KEY_REQUIRED'],
      }),
      async (request, reply) => {
        const fields = withRegistrationDefaults(parseHook(request.body));
        // Our deviation: Blnk answers these 500 HOOK_OPERATION_FAILED; they are the client's input, so 4xx.
        const problem = registrationProblem(fields);
        if (problem) throw hookError('HOOK_INVALID', 'INVALID_INPUT', `failed to register hook: ${problem}`);
        const row = await hooks.register(fields, auditActor(request));
        // A client-supplied id that is taken is refused (Blnk would overwrite that hook).
        if (!row) throw hookError('GEN_CONFLICT', 'INVALID_INPUT', 'failed to register hook: a hook with this id exists');
        return reply.status(201).send(hookView(row));
      },
    );

    scope.put<{ Params: { id: string } }>(
      '/hooks/:id',
      described({
        tags: ['Hooks'],
        summary: 'Change a hook',
        params: { id: 'hook id' },
        body: ref('Hook'),
        answers: { 200: ref('Hook') },
        errors: ['HOOK_INVALID', 'HOOK_NOT_FOUND', 'AUTH_MASTER_KEY_REQUIRED'],
      }),
      async (request) => {
        const fields = parseHook(request.body);
        const row = await hooks.replace(request.params.id, fields, auditActor(request));
        if (!row) throw hookError('HOOK_NOT_FOUND', 'INVALID_INPUT', 'failed to update hook');
        return hookView(row);
      },
    );

    scope.get<{ Params: { id: string } }>(
      '/hooks/:id',
      described({
        tags: ['Hooks'],
        summary: 'Read a hook',
        params: { id: 'hook id' },
        answers: { 200: ref('Hook') },
        errors: ['HOOK_NOT_FOUND', 'AUTH_MASTER_KEY_REQUIRED'],
      }),
      async (request) => {
        const row = await hooks.read(request.params.id);
        if (!row) throw hookError('HOOK_NOT_FOUND', 'NOT_FOUND', 'hook not found');
        return hookView(row);
      },
    );

    scope.get<{ Querystring: { type?: string } }>(
      '/hooks',
      described({
        tags: ['Hooks'],
        summary: 'List hooks',
        query: { type: string('PRE_TRANSACTION or POST_TRANSACTION') },
        answers: { 200: arrayOf('Hook') },
        errors: ['HOOK_INVALID', 'AUTH_MASTER_KEY_REQUIRED'],
      }),
      async (request) => {
        return (await hooks.list(request.query.type)).map(hookView);
      },
    );

    scope.delete<{ Params: { id: string } }>(
      '/hooks/:id',
      described({
        tags: ['Hooks'],
        summary: 'Delete a hook',
        params: { id: 'hook id' },
        answers: { 200: messageAnswer },
        errors: ['HOOK_NOT_FOUND', 'AUTH_MASTER_KEY_REQUIRED'],
      }),
      async (request) => {
        if (!(await hooks.delete(request.params.id, auditActor(request)))) {
          throw hookError('HOOK_NOT_FOUND', 'INVALID_INPUT', 'failed to delete hook');
        }
        return { message: 'hook deleted successfully' };
      },
    );
  });
}
