// Reconciliation (blnk-contract.md platform §10.2-10.6): matching rules, starting runs, and reading a run with
// its results. Blnk has no way to read a rule back or list a run's matches; Kassa's GET routes add them.
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../errors.js';
import { ReconciliationRecords } from '../../reconciliation/records-store.js';
import { parseRule } from '../../reconciliation/rules.js';
import { instantRecords, parseStart, startInstantRun, startRun } from '../../reconciliation/start.js';
import { matchView, ruleView, runView } from '../../views/reconciliation.js';
import type { AppContext } from '../context.js';
import { described } from '../openapi/route-schema.js';
import { boolean, listQuery, messageAnswer, object, string } from '../openapi/components.js';
import { parsePage, type Page } from '../pagination.js';
import { bodyObject } from '../validation.js';

const TAGS = ['Reconciliation'];
const ruleBody = object(
  {
    name: string(),
    description: string(),
    criteria: {
      type: 'array',
      items: object({
        field: { type: 'string', enum: ['amount', 'date', 'description', 'reference', 'currency'] },
        operator: { type: 'string', enum: ['equals', 'greater_than', 'less_than', 'contains'] },
        allowable_drift: { type: 'number', description: 'amount: a fraction (0.01 = 1%); date: seconds; contains: a percentage' },
      }),
    },
  },
  ['name', 'criteria'],
);
const ruleAnswer = object({ rule_id: string(), name: string(), description: string(), criteria: { type: 'array' } });
const startBody = {
  upload_id: string('required by /reconciliation/start'),
  strategy: { type: 'string', enum: ['one_to_one', 'one_to_many', 'many_to_one'] },
  matching_rule_ids: { type: 'array', items: string() },
  grouping_criteria: string('one_to_many: a transaction column; many_to_one: a record column'),
  dry_run: boolean(),
};
const startAnswer = { 200: object({ reconciliation_id: string() }) };
const runAnswer = object({
  reconciliation_id: string(),
  upload_id: string(),
  status: string('started, in_progress, completed or failed'),
  matched_transactions: { type: 'integer' },
  unmatched_transactions: { type: 'integer' },
  is_dry_run: boolean(),
  processed: { type: 'integer' },
  total: { type: 'integer' },
});

const RESULTS_PAGE = { default_limit: 20, strict: true, limit_max: 1000 };

export function registerReconciliationRoutes(app: FastifyInstance, ctx: AppContext): void {
  const records = new ReconciliationRecords(ctx.db);
  app.post(
    '/reconciliation/matching-rules',
    described({
      tags: TAGS,
      summary: 'Create a matching rule',
      body: ruleBody,
      answers: { 201: ruleAnswer },
      errors: ['RECON_RULE_INVALID'],
    }),
    async (request, reply) => reply.status(201).send(ruleView(await records.createRule(parseRule(request.body)))),
  );

  app.get(
    '/reconciliation/matching-rules',
    described({
      tags: TAGS,
      summary: 'List matching rules, newest first (Kassa)',
      query: listQuery,
      answers: { 200: { type: 'array' } },
    }),
    async (request) => {
      const page = parsePage(request.query as Record<string, unknown>, { default_limit: 20, strict: true });
      return (await records.listRules(page.limit, page.offset)).map(ruleView);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/reconciliation/matching-rules/:id',
    described({
      tags: TAGS,
      summary: 'Read a matching rule (Kassa)',
      params: { id: 'rule id' },
      answers: { 200: ruleAnswer },
      errors: ['RECON_RULE_NOT_FOUND'],
    }),
    async (request) => {
      return ruleView(await records.readRule(request.params.id));
    },
  );

  app.put<{ Params: { id: string } }>(
    '/reconciliation/matching-rules/:id',
    described({
      tags: TAGS,
      summary: 'Replace a matching rule',
      params: { id: 'rule id' },
      body: ruleBody,
      answers: { 200: ruleAnswer },
      errors: ['RECON_RULE_INVALID', 'RECON_RULE_NOT_FOUND'],
    }),
    async (request) => {
      return ruleView(await records.replaceRule(request.params.id, parseRule(request.body)));
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/reconciliation/matching-rules/:id',
    described({
      tags: TAGS,
      summary: 'Delete a matching rule',
      params: { id: 'rule id' },
      answers: { 200: messageAnswer },
      errors: ['RECON_RULE_NOT_FOUND'],
    }),
    async (request) => {
      await records.deleteRule(request.params.id);
      return { message: 'Matching rule deleted successfully' };
    },
  );

  app.post(
    '/reconciliation/start',
    described({
      tags: TAGS,
      summary: 'Start a reconciliation of an upload (runs in the background; GET shows its progress)',
      body: object(startBody, ['upload_id', 'strategy', 'matching_rule_ids']),
      answers: startAnswer,
      errors: ['RECON_MATCHING_RULES_REQUIRED', 'RECON_RULE_NOT_FOUND', 'RECON_UPLOAD_NOT_FOUND', 'GEN_VALIDATION_ERROR'],
    }),
    async (request) => {
      const body = bodyObject(request.body);
      const start = parseStart(body);
      const { upload_id } = body;
      if (typeof upload_id !== 'string' || upload_id === '') throw new ApiError('GEN_MALFORMED_REQUEST', 'upload_id is required');
      const reconciliation_id = await startRun(ctx.db, upload_id, start);
      ctx.background.stored('reconciliation');
      return { reconciliation_id };
    },
  );

  app.post(
    '/reconciliation/start-instant',
    described({
      tags: TAGS,
      summary: 'Reconcile up to 10,000 records given inline',
      body: object({ ...startBody, external_transactions: { type: 'array', items: { type: 'object' } } }, [
        'external_transactions',
        'strategy',
        'matching_rule_ids',
      ]),
      answers: startAnswer,
      errors: [
        'RECON_EXTERNAL_TXNS_REQUIRED',
        'RECON_MATCHING_RULES_REQUIRED',
        'RECON_RULE_NOT_FOUND',
        'RECON_UPLOAD_INVALID',
        'GEN_VALIDATION_ERROR',
      ],
    }),
    async (request) => {
      const body = bodyObject(request.body);
      const start = parseStart(body);
      const reconciliation_id = await startInstantRun(ctx.db, instantRecords(body.external_transactions), start);
      ctx.background.stored('reconciliation');
      return { reconciliation_id };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/reconciliation/:id',
    described({
      tags: TAGS,
      summary: 'A reconciliation: status, counts and progress',
      params: { id: 'reconciliation id' },
      answers: { 200: runAnswer },
      errors: ['RECON_NOT_FOUND'],
    }),
    async (request) => runView(await records.readRun(request.params.id)),
  );

  registerResultsRoute(app, records, 'matches', "A reconciliation's matches, in the order found (Kassa)", async (id, page) =>
    (await records.matches(id, page.limit, page.offset)).map(matchView),
  );
  registerResultsRoute(
    app,
    records,
    'unmatched',
    "A reconciliation's unmatched ids (many_to_one: internal transaction ids) (Kassa)",
    async (id, page) => (await records.unmatched(id, page.limit, page.offset)).map((transaction_id) => ({ transaction_id })),
  );
}

/** GET /reconciliation/:id/<kind>: a page of a run's results, in the order they were found. */
function registerResultsRoute(
  app: FastifyInstance,
  records: ReconciliationRecords,
  kind: 'matches' | 'unmatched',
  summary: string,
  list: (reconciliation_id: string, page: Page) => Promise<unknown[]>,
): void {
  app.get<{ Params: { id: string } }>(
    `/reconciliation/:id/${kind}`,
    described({
      tags: TAGS,
      summary,
      params: { id: 'reconciliation id' },
      query: listQuery,
      answers: { 200: { type: 'array' } },
      errors: ['RECON_NOT_FOUND', 'GEN_VALIDATION_ERROR'],
    }),
    async (request) => {
      const page = parsePage(request.query as Record<string, unknown>, RESULTS_PAGE);
      const run = await records.readRun(request.params.id);
      return list(run.reconciliation_id, page);
    },
  );
}
