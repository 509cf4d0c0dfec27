// API key records as Blnk returns them (blnk-contract.md auth §5). The plaintext appears only in the answer
// to a create; listings carry a short hint instead (never the stored hash).
import type { ApiKeyRow } from '../db/api-keys.js';
import { keyHint } from '../auth/key-material.js';
import { ZERO_TIME } from '../time.js';

function record(row: ApiKeyRow, key: string, expires_at: string): Record<string, unknown> {
  const view: Record<string, unknown> = {
    api_key_id: row.api_key_id,
    key,
    name: row.name,
    owner_id: row.owner_id,
    scopes: row.scopes,
    expires_at,
    created_at: row.created_at,
    last_used_at: row.last_used_at ?? ZERO_TIME,
    is_revoked: row.is_revoked,
  };
  if (row.revoked_at) view.revoked_at = row.revoked_at;
  // Kassa's own: where the key was last used from, and its successor after a rotation.
  if (row.last_source_address) view.last_source_address = row.last_source_address;
  if (row.rotated_at) {
    view.rotated_at = row.rotated_at;
    view.replaced_by = row.replaced_by;
  }
  return view;
}

/** The create answer: the plaintext key, and expires_at as the client wrote it. */
export function createdApiKeyView(row: ApiKeyRow, key: string, expires_at: string): Record<string, unknown> {
  return record(row, key, expires_at);
}

export function listedApiKeyView(row: ApiKeyRow): Record<string, unknown> {
  return record(row, keyHint(row.key_prefix), row.expires_at);
}
