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
  /** Set when the key was rotated: it works until expires_at (the end of its grace period). */
  rotated_at: string | null;
  replaced_by: string | null;
  last_source_address: string | null;
}

const COLUMNS =
  'api_key_id, key_hash, key_prefix, name, owner_id, scopes, expires_at, created_at, last_used_at, is_revoked, revoked_at, ' +
  'rotated_at, replaced_by, last_source_address';

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
export async function markApiKeyRevoked(db: Queryable, api_key_id: string, owner_id: string): Promise<boolean> {
  const rows = await db.query(
    `UPDATE api_keys SET is_revoked = true, revoked_at = now() WHERE api_key_id = $1 AND owner_id = $2 RETURNING api_key_id`,
    [api_key_id, owner_id],
  );
  return rows.length > 0;
}

/** The key `api_key_id` of `owner_id`, locked for a change in this transaction; undefined when none. */
export async function lockApiKey(tx: Queryable, api_key_id: string, owner_id: string): Promise<ApiKeyRow | undefined> {
  const rows = await tx.query<ApiKeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE api_key_id = $1 AND owner_id = $2 FOR UPDATE`, [
    api_key_id,
    owner_id,
  ]);
  return rows[0];
}

/** Marks a key replaced by `replaced_by`, working for `grace_ms` more at most (never past its own expiry). */
export async function markApiKeyRotated(
  tx: Queryable,
  api_key_id: string,
  replaced_by: string,
  grace_ms: number,
): Promise<ApiKeyRow> {
  const rows = await tx.query<ApiKeyRow>(
    `UPDATE api_keys SET rotated_at = now(), replaced_by = $2,
            expires_at = LEAST(expires_at, now() + make_interval(secs => $3))
      WHERE api_key_id = $1 RETURNING ${COLUMNS}`,
    [api_key_id, replaced_by, grace_ms / 1000],
  );
  return rows[0];
}

export interface KeyUse {
  api_key_id: string;
  source_address: string;
}

/** Writes when and from where each key was last used. */
export async function touchApiKeys(db: Queryable, uses: readonly KeyUse[]): Promise<void> {
  await db.query(
    `UPDATE api_keys k SET last_used_at = now(), last_source_address = u.source_address
       FROM jsonb_to_recordset($1::jsonb) AS u(api_key_id text, source_address text)
      WHERE k.api_key_id = u.api_key_id`,
    [JSON.stringify(uses)],
  );
}

/** Records the sources; answers those never seen before for their key (by any process). */
export async function addApiKeySources(tx: Queryable, uses: readonly KeyUse[]): Promise<KeyUse[]> {
  return tx.query<KeyUse>(
    `INSERT INTO api_key_sources (api_key_id, source_address)
     SELECT u.api_key_id, u.source_address FROM jsonb_to_recordset($1::jsonb) AS u(api_key_id text, source_address text)
      WHERE EXISTS (SELECT 1 FROM api_keys k WHERE k.api_key_id = u.api_key_id)
     ON CONFLICT DO NOTHING RETURNING api_key_id, source_address`,
    [JSON.stringify(uses)],
  );
}

/**
 * Keys revoked or rotated at or after `since` minus `lookback_s` (database time; no `since`: the last
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
              WHERE (is_revoked AND revoked_at >= COALESCE($1::timestamptz, now()) - make_interval(secs => $2))
                 OR rotated_at >= COALESCE($1::timestamptz, now()) - make_interval(secs => $2)) AS api_key_ids`,
    [since, lookback_s],
  );
  return { db_now: rows[0].db_now, api_key_ids: rows[0].api_key_ids ?? [] };
}
