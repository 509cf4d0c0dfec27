import type { FastifyInstance } from 'fastify';
import { randomInt } from 'node:crypto';
import { createAccount, filterAccounts, listAccounts, readAccount, type AccountRequest } from '../../accounts/accounts.js';
import type { AccountNumberService } from '../../accounts/number-service.js';
import { parseFilterBody, parseFilterQuery } from '../../filters/language.js';
import type { AppContext } from '../context.js';
import { filterReply, listRequest } from '../filtering.js';
import { parsePage } from '../pagination.js';
import { bodyObject, optionalMetaData, optionalString, queryValues, throwIfInvalid, type FieldErrors } from '../validation.js';
import { accountView } from '../../views/entities.js';
import { described, FILTER_ERRORS } from '../openapi/route-schema.js';
import { arrayOf, listOf, object, ref, string, metaData, listQuery } from '../openapi/components.js';

const TEXT_FIELDS = ['bank_name', 'number', 'currency', 'identity_id', 'ledger_id', 'balance_id'] as const;

/** Blnk's ValidateCreateAccount, with its messages (one per field, the first rule that fails). */
function accountRequest(body: unknown): AccountRequest {
  const object = bodyObject(body, { legacyKey: 'errors' });
  const text = Object.fromEntries(TEXT_FIELDS.map((field) => [field, optionalString(object[field], field) ?? ''])) as Record<
    (typeof TEXT_FIELDS)[number],
    string
  >;
  const errors: FieldErrors = {};
  if (text.balance_id === '') {
    if (text.ledger_id === '') errors.ledger_id = 'Ledger ID is required when Balance ID is not provided';
    if (text.identity_id === '') errors.identity_id = 'Identity ID is required when Balance ID is not provided';
    if (text.currency === '') errors.currency = 'currency is required when Balance ID is not provided';
  } else {
    if (text.ledger_id !== '') errors.ledger_id = 'either LedgerId or BalanceId must be provided, not both';
    if (text.currency !== '') errors.currency = 'either Currency or BalanceId must be provided, not both';
  }
  throwIfInvalid(errors);
  return { ...text, meta_data: optionalMetaData(object.meta_data) };
}

/** gofakeit's AchAccount: twelve random digits. */
function mockedAccountNumber(): string {
  return Array.from({ length: 12 }, () => randomInt(10)).join('');
}

export function registerAccountRoutes(app: FastifyInstance, ctx: AppContext): void {
  const generation = ctx.config.account_number_generation;
  const numberService: AccountNumberService | undefined = generation.enabled
    ? { url: generation.url, authorization: generation.authorization, timeout_ms: generation.timeout_ms }
    : undefined;

  app.post(
    '/accounts',
    described({
      tags: ['Accounts'],
      summary: 'Create an account (and its balance)',
      body: object(
        {
          ledger_id: string(),
          identity_id: string(),
          currency: string(),
          bank_name: string(),
          number: string(),
          balance_id: string(),
          meta_data: metaData,
        },
        ['ledger_id', 'identity_id', 'currency'],
      ),
      answers: { 201: ref('Account') },
      errors: [
        'GEN_VALIDATION_ERROR',
        'ACC_DUPLICATE',
        'ACC_GENERATION_FAILED',
        'LGR_NOT_FOUND',
        'IDT_NOT_FOUND',
        'BAL_NOT_FOUND',
        'GEN_BAD_REQUEST',
      ],
    }),
    async (request, reply) => {
      const account = await createAccount(ctx.db, accountRequest(request.body), numberService);
      return reply.status(201).send(accountView(account));
    },
  );

  app.get(
    '/accounts',
    described({
      tags: ['Accounts'],
      summary: 'List accounts',
      query: listQuery,
      answers: { 200: arrayOf('Account') },
      errors: FILTER_ERRORS,
    }),
    async (request) => {
      const query = request.query as Record<string, unknown>;
      // Blnk lists every account, unpaged, when the query has no filter.
      if (parseFilterQuery('accounts', query).conditions.length === 0) {
        return (await listAccounts(ctx.db)).map((row) => accountView(row));
      }
      const page = parsePage(query, { default_limit: 20, strict: false });
      return filterReply(await filterAccounts(ctx.db, listRequest('accounts', query, page)), (row) => accountView(row), false);
    },
  );

  app.post(
    '/accounts/filter',
    described({
      tags: ['Accounts'],
      summary: 'Filter accounts',
      body: ref('FilterRequest'),
      answers: { 200: listOf('Account') },
      errors: FILTER_ERRORS,
    }),
    async (request) => {
      const filter = parseFilterBody('accounts', request.body);
      return filterReply(await filterAccounts(ctx.db, filter), (row) => accountView(row), filter.include_count);
    },
  );

  app.get<{ Params: { id: string }; Querystring: Record<string, unknown> }>(
    '/accounts/:id',
    described({
      tags: ['Accounts'],
      summary: 'Read an account',
      params: { id: 'account id' },
      query: { include: string('ledger, balance or identity; repeatable') },
      answers: { 200: ref('Account') },
      errors: ['ACC_NOT_FOUND', 'GEN_BAD_REQUEST'],
    }),
    async (request) => {
      const { account, ...included } = await readAccount(ctx.db, request.params.id, queryValues(request.query.include));
      return accountView(account, included);
    },
  );

  app.get(
    '/mocked-account',
    described({
      tags: ['Accounts'],
      summary: 'A made-up account number, for tests',
      answers: { 200: object({ bank_name: string(), account_number: string() }) },
    }),
    async () => ({ bank_name: 'Blnk Bank', account_number: mockedAccountNumber() }),
  );
}
