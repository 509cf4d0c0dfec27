// Every route the server registers has a scope in src/auth/route-scopes.ts (or is public): a new
// route with a new first segment fails here until the table says which scope it needs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requiredScope } from '../../src/auth/route-scopes.js';
import { routesOf } from '../../src/http/plugins/auth.js';
import { startKassa } from '../support/kassa.js';

/** A concrete path for a route pattern: every parameter and wildcard becomes `x`. */
function samplePath(url: string): string {
  return url.replace(/:[^/]+/g, 'x').replace(/\*/g, 'x');
}

test('every registered route resolves to a scope or is public', async () => {
  const kassa = await startKassa({ env: { BLNK_ENABLE_OBSERVABILITY: 'true' } });
  try {
    const routes = routesOf(kassa.server.app);
    assert.ok(routes.some((r) => r.url === '/api-keys') && routes.some((r) => r.url === '/ledgers/:id'), 'routes were seen');
    const missing: string[] = [];
    for (const { method, url } of routes) {
      const required = requiredScope(method, samplePath(url));
      const ok = required.kind === 'public' || (required.kind === 'scope' && required.action !== undefined);
      if (!ok) missing.push(`${method} ${url} -> ${JSON.stringify(required)}`);
    }
    assert.deepEqual(missing, [], 'routes without a scope entry');
  } finally {
    await kassa.close();
  }
});
