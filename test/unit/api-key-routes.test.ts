// R7 of advisory GHSA-wcr3-9x4c-f5gj: with no principal, key management answers 401
// AUTH_MISSING_PRINCIPAL and never falls back to request values. In Kassa every non-public request
// gets a principal (secure mode off means master), so this is checked on the routes alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import type { ApiKeyStore } from '../../src/auth/api-keys.js';
import type { AppContext } from '../../src/http/context.js';
import { registerErrorEnvelope } from '../../src/http/plugins/errors.js';
import { registerJsonBody } from '../../src/http/plugins/json-body.js';
import { registerRouteSchemas } from '../../src/http/openapi/plugin.js';
import { registerApiKeyRoutes } from '../../src/http/routes/api-keys.js';

test('R7: no principal, no key management', async () => {
  const untouchable = new Proxy(
    {},
    {
      get() {
        throw new Error('the database must not be used without a principal');
      },
    },
  );
  const app = Fastify();
  registerErrorEnvelope(app);
  registerJsonBody(app);
  registerRouteSchemas(app);
  app.decorateRequest('principal', undefined);
  registerApiKeyRoutes(app, { db: untouchable } as unknown as AppContext, untouchable as ApiKeyStore);
  const body = { name: 'n', owner: 'o', scopes: ['*:*'], expires_at: '2099-01-01T00:00:00Z' };
  const requests = [
    app.inject({ method: 'POST', url: '/api-keys', payload: body }),
    app.inject({ method: 'GET', url: '/api-keys?owner=o' }),
    app.inject({ method: 'DELETE', url: '/api-keys/api_key_x?owner=o' }),
    app.inject({ method: 'POST', url: '/api-keys/api_key_x/rotate?owner=o', payload: {} }),
  ];
  for (const res of await Promise.all(requests)) {
    assert.equal(res.statusCode, 401, res.body);
    assert.deepEqual(res.json(), {
      error: 'authenticated API key principal missing',
      error_detail: { code: 'AUTH_MISSING_PRINCIPAL', message: 'authenticated API key principal missing' },
    });
  }
  const malformed = await app.inject({ method: 'POST', url: '/api-keys', payload: { name: 'n' } });
  assert.equal(malformed.statusCode, 400, 'body validation comes first');
  await app.close();
});
