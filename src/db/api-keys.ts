import type { Queryable } from './database.js';

export interface ApiKeyRow {
  api_key_id: string;
  key_hash: string;
  key_prefix: string;
  name: string;
  owner_id: string;
  scopes: string[];
  expires_at: string;
  created_at: string;
  /** null until first use. */
  last_used_at: string | null;
  is_revoked: boolean;
  revoked_at: string | null;
}

const COLUMNS =
  'api_key_id, key_hash, key_prefix, name, owner_id, scopes, expires_at, created_at, last_used_at, is_revoked, revoked_at';

export interface NewApiKey {
  api_key_id: string;
  key_hash: string;
  key_prefix: string;
  name: string;
  owner_id: string;
  scopes: readonly string[];
  expires_at: string;
}

export async function insertApiKey(db: Queryable, key: NewApiKey): Promise<ApiKeyRow> {
  const rows = await db.query<ApiKeyRow>(
    `INSERT INTO api_keys (api_key_id, key_hash, key_prefix, name, owner_id, scopes, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7) RETURNING ${COLUMNS}`,
    [key.api_key_id, key.key_hash, key.key_prefix, key.name, key.owner_id, JSON.stringify(key.scopes), key.expires_at],
  );
  return rows[0];
}

/** Candidate rows for a presented key: those sharing its lookup prefix. */
export async function findApiKeysByPrefix(db: Queryable, key_prefix: string): Promise<ApiKeyRow[]> {
  return db.query<ApiKeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE key_prefix = $1`, [key_prefix]);
}

/** The owner's keys, newest first, revoked and expired ones included. */
export async function listApiKeys(db: Queryable, owner_id: string): Promise<ApiKeyRow[]> {
  return db.query<ApiKeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE owner_id = $1 ORDER BY created_at DESC, api_key_id`, [
    owner_id,
  ]);
}

/** Revokes the key only when it belongs to `owner_id`; false when no such key. Re-revoking moves revoked_at. */
export async function revokeApiKey(db: Queryable, api_key_id: string, owner_id: string): Promise<boolean> {
  const rows = await db.query(
    `UPDATE api_keys SET is_revoked = true, revoked_at = now() WHERE api_key_id = $1 AND owner_id = $2 RETURNING api_key_id`,
    [api_key_id, owner_id],
  );
  return rows.length > 0;
}

export async function touchApiKeys(db: Queryable, api_key_ids: readonly string[]): Promise<void> {
  await db.query(`UPDATE api_keys SET last_used_at = now() WHERE api_key_id IN (SELECT jsonb_array_elements_text($1::jsonb))`, [
    JSON.stringify(api_key_ids),
  ]);
}

/**
 * Keys revoked at or after `since` minus `lookback_s` (database time; no `since`: the last
 * `lookback_s` seconds), and the database's current time to pass as the next `since`.
 */
export async function recentlyRevokedApiKeys(
  db: Queryable,
  since: string | null,
  lookback_s: number,
): Promise<{ db_now: string; api_key_ids: string[] }> {
  const rows = await db.query<{ db_now: string; api_key_ids: string[] | null }>(
    `SELECT now() AS db_now,
            (SELECT jsonb_agg(api_key_id) FROM api_keys
              WHERE is_revoked AND revoked_at >= COALESCE($1::timestamptz, now()) - make_interval(secs => $2)) AS api_key_ids`,
    [since, lookback_s],
  );
  return { db_now: rows[0].db_now, api_key_ids: rows[0].api_key_ids ?? [] };
}
