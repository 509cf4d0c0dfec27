// The OpenAPI description is generated from the schemas declared next to each route; these tests
// hold it to the routes the server really registers, to the error catalogue, to the committed
// docs/openapi.json, and to real answers (validated against the documented schemas).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { Ajv } from 'ajv';
import { routesOf } from '../../src/http/plugins/auth.js';
import { requiredScope } from '../../src/auth/route-scopes.js';
import { ERROR_STATUS } from '../../src/errors.js';
import { startKassa, type TestKassa } from '../support/kassa.js';
import type { HttpResponse } from '../support/http.js';

type Operation = {
  security?: unknown[];
  parameters?: { in: string; name: string }[];
  requestBody?: unknown;
  responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }>;
};
type Document = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, any>; securitySchemes: Record<string, any> };
  security: unknown[];
};

const MASTER_KEY = 'openapi-test-master-key-0123456789abcdef';
const toOpenApiPath = (url: string) => url.replace(/:([A-Za-z_]+)/g, '{$1}');
const isDocumentation = (url: string) => url === '/openapi.json' || url === '/docs' || url.startsWith('/docs/');

describe('OpenAPI description', () => {
  let kassa: TestKassa;
  let doc: Document;
  let validate: (method: string, url: string, res: HttpResponse) => void;

  before(async () => {
    kassa = await startKassa({
      env: { BLNK_SERVER_SECURE: 'true', BLNK_SERVER_SECRET_KEY: MASTER_KEY, BLNK_ENABLE_OBSERVABILITY: 'true' },
    });
    const res = await kassa.http.get('/openapi.json');
    assert.equal(res.status, 200, 'public: no key needed');
    doc = JSON.parse(res.text);
    const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
    ajv.addSchema(doc, 'openapi');
    const pointer = (...parts: string[]) => parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');
    validate = (method, url, res) => {
      const operation = doc.paths[toOpenApiPath(url)]?.[method.toLowerCase()];
      assert.ok(operation, `${method} ${url} is documented`);
      const answer = operation.responses[String(res.status)];
      assert.ok(answer, `${method} ${url} documents status ${res.status}: ${res.text.slice(0, 200)}`);
      if (!answer.content) return;
      const at = `openapi#/${pointer('paths', toOpenApiPath(url), method.toLowerCase(), 'responses', String(res.status), 'content', 'application/json', 'schema')}`;
      const check = ajv.getSchema(at) ?? ajv.compile({ $ref: at });
      assert.ok(check(res.body), `${method} ${url} ${res.status}: ${JSON.stringify(check.errors)} in ${res.text.slice(0, 300)}`);
    };
  });
  after(() => kassa.close());

  test('every registered route is described, with its path parameters, answers and security', () => {
    const routes = routesOf(kassa.server.app).filter(
      (r) => r.method !== 'HEAD' && r.method !== 'OPTIONS' && !isDocumentation(r.url),
    );
    assert.ok(routes.length >= 60, `${routes.length} routes`);
    const described = new Set<string>();
    for (const route of routes) {
      const path = toOpenApiPath(route.url);
      const operation = doc.paths[path]?.[route.method.toLowerCase()];
      assert.ok(operation, `${route.method} ${route.url} is in the description`);
      described.add(`${route.method} ${path}`);
      const names = [...route.url.matchAll(/:([A-Za-z_]+)/g)].map((m) => m[1]).sort();
      const documented = (operation.parameters ?? [])
        .filter((p) => p.in === 'path')
        .map((p) => p.name)
        .sort();
      assert.deepEqual(documented, names, `${route.method} ${route.url} path parameters`);
      const statuses = Object.keys(operation.responses).map(Number);
      assert.ok(
        statuses.some((s) => s >= 200 && s < 300),
        `${route.method} ${route.url} has a success answer`,
      );
      const isPublic = requiredScope(route.method, route.url.replace(/:[A-Za-z_]+/g, 'x')).kind === 'public';
      assert.deepEqual(
        operation.security === undefined ? 'key' : operation.security,
        isPublic ? [] : 'key',
        `${route.method} ${route.url} security`,
      );
      if (route.method === 'POST' || route.method === 'PUT') {
        const bodyless = ['/balances-snapshots', '/transactions/recover', '/identities/:id/tokenize/:field'];
        if (!bodyless.includes(route.url)) assert.ok(operation.requestBody, `${route.method} ${route.url} documents its body`);
      }
      for (const [status, answer] of Object.entries(operation.responses)) {
        // a route's own answer at an error status (the 503 of /health) is no error envelope
        if (Number(status) < 400 || answer.description === 'Success') continue;
        const codes = /^Error: (.+)$/.exec(answer.description)?.[1].split(', ') ?? [];
        assert.ok(codes.length > 0, `${route.method} ${route.url} ${status} names its codes`);
        for (const code of codes)
          assert.equal(ERROR_STATUS[code as keyof typeof ERROR_STATUS], Number(status), `${code} under ${status}`);
      }
    }
    const extra = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    assert.deepEqual(
      extra.filter((op) => !described.has(op)),
      [],
      'nothing described that is not served',
    );
  });

  test('OpenAPI 3.1 with the X-Blnk-Key scheme, and amounts as integers of any size', () => {
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(doc.components.securitySchemes.BlnkKey, { type: 'apiKey', in: 'header', name: 'X-Blnk-Key' });
    assert.deepEqual(doc.security, [{ BlnkKey: [] }]);
    for (const [schema, field] of [
      ['Balance', 'balance'],
      ['Balance', 'credit_balance'],
      ['Transaction', 'precise_amount'],
    ]) {
      const property = doc.components.schemas[schema].properties[field];
      assert.equal(property.type, 'integer', `${schema}.${field}`);
      assert.equal(property.format, undefined);
      assert.equal(property.maximum, undefined);
    }
  });

  test('the reference page is public, and its index with a query string leads to the page (no redirect loop)', async () => {
    const page = await fetch(`${kassa.url}/docs`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    const index = await fetch(`${kassa.url}/docs/static/index.html?amount_gt=`, { redirect: 'manual' });
    assert.equal(index.status, 302);
    assert.equal(index.headers.get('location'), '/docs/');
  });

  test('docs/openapi.json in the repository is the description the server serves', () => {
    const committed = JSON.parse(readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8'));
    assert.deepEqual(committed, doc, 'run `npm run build` to write docs/openapi.json again');
  });

  test('real answers, successes and errors, match the documented schemas and codes', async () => {
    const http = kassa.http.with({ 'x-blnk-key': MASTER_KEY });
    const call = async (method: string, url: string, path: string, body?: unknown) => {
      const res = await http.request(method, path, body);
      validate(method, url, res);
      return res;
    };
    const ledger = (await call('POST', '/ledgers', '/ledgers', { name: 'openapi' })).body;
    await call('GET', '/ledgers/:id', `/ledgers/${ledger.ledger_id}`);
    await call('GET', '/ledgers', '/ledgers');
    await call('POST', '/ledgers/filter', '/ledgers/filter', { filters: [], include_count: true });
    await call('POST', '/ledgers', '/ledgers', { name: '' });
    await call('GET', '/ledgers/:id', '/ledgers/ldg_missing');
    const a = (await call('POST', '/balances', '/balances', { ledger_id: ledger.ledger_id, currency: 'USD' })).body;
    const b = (
      await call('POST', '/balances', '/balances', {
        ledger_id: ledger.ledger_id,
        currency: 'USD',
        indicator: `@ind-${randomUUID()}`,
      })
    ).body;
    await call('GET', '/balances/:id', `/balances/${a.balance_id}`);
    await call(
      'GET',
      '/balances/indicator/:indicator/currency/:currency',
      `/balances/indicator/${encodeURIComponent(b.indicator)}/currency/USD`,
    );
    await call('GET', '/balances/:id/at', `/balances/${a.balance_id}/at`);
    const txn = (
      await call('POST', '/transactions', '/transactions', {
        precise_amount: 123456789012345678901234567890n,
        precision: 100,
        currency: 'USD',
        reference: `r-${randomUUID()}`,
        source: a.balance_id,
        destination: b.balance_id,
        allow_overdraft: true,
        skip_queue: true,
        description: 'openapi',
      })
    ).body;
    await call('GET', '/transactions/:id', `/transactions/${txn.transaction_id}`);
    await call('GET', '/transactions/reference/:reference', `/transactions/reference/${txn.reference}`);
    await call('POST', '/transactions', '/transactions', {
      precise_amount: 1,
      currency: 'USD',
      reference: txn.reference,
      source: a.balance_id,
      destination: b.balance_id,
      skip_queue: true,
    });
    await call('POST', '/transactions', '/transactions', {
      precise_amount: 10,
      currency: 'USD',
      reference: `r-${randomUUID()}`,
      source: b.balance_id,
      destination: a.balance_id,
      skip_queue: true,
      inflight: true,
    });
    await call('GET', '/transactions', '/transactions');
    await call('POST', '/transactions/filter', '/transactions/filter', {
      filters: [{ field: 'currency', operator: 'eq', value: 'USD' }],
    });
    await call('POST', '/transactions/bulk', '/transactions/bulk', { transactions: [] });
    await call('GET', '/transactions/bulk/:batch_id', `/transactions/bulk/bulk_${randomUUID()}`);
    await call('POST', '/refund-transaction/:id', `/refund-transaction/${txn.transaction_id}`, { skip_queue: true });
    await call('POST', '/:id/metadata', `/${ledger.ledger_id}/metadata`, { meta_data: { k: 'v' } });
    const identity = (await call('POST', '/identities', '/identities', { identity_type: 'individual', first_name: 'Ada' })).body;
    await call('GET', '/identities/:id', `/identities/${identity.identity_id}`);
    await call('GET', '/identities', '/identities');
    const key = (
      await call('POST', '/api-keys', '/api-keys', {
        name: 'k',
        owner: 'o',
        scopes: ['ledgers:read'],
        expires_at: '2099-01-01T00:00:00Z',
      })
    ).body;
    await call('GET', '/api-keys', '/api-keys?owner=o');
    await call('DELETE', '/api-keys/:id', `/api-keys/${key.api_key_id}?owner=o`);
    await call('POST', '/balance-monitors', '/balance-monitors', {
      balance_id: a.balance_id,
      condition: { field: 'balance', operator: '>', value: 10, precision: 100 },
    });
    await call('GET', '/balance-monitors', '/balance-monitors');
    await call('GET', '/mocked-account', '/mocked-account');
    await call('GET', '/health', '/health');
    await call('GET', '/', '/');
    const refused = await kassa.http.get('/ledgers');
    validate('GET', '/ledgers', refused);
    assert.equal(refused.body.error_detail.code, 'AUTH_MISSING_API_KEY');
  });
});
