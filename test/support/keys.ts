// Secure-mode fixtures: a master key and API keys created through the API.
import assert from 'node:assert/strict';
import type { HttpClient } from './http.js';

export const MASTER_KEY = 'kassa-test-master-key-0123456789abcdef';
export const SECURE_ENV = { BLNK_SERVER_SECURE: 'true', BLNK_SERVER_SECRET_KEY: MASTER_KEY };
export const FUTURE = '2099-01-01T00:00:00Z';

export interface CreatedKey {
  api_key_id: string;
  key: string;
  owner_id: string;
  scopes: string[];
  created_at: string;
  /** A client sending this key. */
  http: HttpClient;
}

/** Creates a key with `creator` (the master client by default) and returns it with a client using it. */
export async function createKey(
  creator: HttpClient,
  options: { owner: string; scopes: string[]; name?: string; expires_at?: string },
): Promise<CreatedKey> {
  const res = await creator.post('/api-keys', {
    name: options.name ?? 'test key',
    owner: options.owner,
    scopes: options.scopes,
    expires_at: options.expires_at ?? FUTURE,
  });
  assert.equal(res.status, 201, res.text);
  return { ...res.body, http: creator.with({ 'X-Blnk-Key': res.body.key }) };
}

/** Asserts Blnk's error envelope with `code`, and nothing else at the top level. */
export function assertAuthError(res: { status: number; body: any; text: string }, status: number, code: string): void {
  assert.equal(res.status, status, res.text);
  assert.equal(res.body?.error_detail?.code, code, res.text);
  assert.ok(res.body.error_detail.message.length > 0);
  assert.equal(res.body.error, res.body.error_detail.message);
  assert.deepEqual(Object.keys(res.body).sort(), ['error', 'error_detail']);
}

/** The request got past authentication and authorization (whatever the handler then said). */
export function assertPassesAuth(res: { status: number; text: string }, what: string): void {
  assert.ok(res.status !== 401 && res.status !== 403, `${what}: ${res.status} ${res.text}`);
}
