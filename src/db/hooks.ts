import type { Queryable } from './database.js';
import { claimableSql, stampSql } from './event-dispatchers.js';

export type HookType = 'PRE_TRANSACTION' | 'POST_TRANSACTION';

export interface HookRow {
  id: string;
  name: string;
  url: string;
  type: string;
  active: boolean;
  timeout: number;
  retry_count: number;
  created_at: string;
  last_run: string | null;
  last_success: boolean;
}

export type HookFields = Pick<HookRow, 'id' | 'name' | 'url' | 'type' | 'active' | 'timeout' | 'retry_count'>;

const COLUMNS = 'id, name, url, type, active, timeout, retry_count, created_at, last_run, last_success';

/** Inserts a hook; undefined when the id is taken. */
export async function insertHook(db: Queryable, hook: HookFields): Promise<HookRow | undefined> {
  const rows = await db.query<HookRow>(
    `INSERT INTO hooks (id, name, url, type, active, timeout, retry_count) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (id) DO NOTHING RETURNING ${COLUMNS}`,
    [hook.id, hook.name, hook.url, hook.type, hook.active, hook.timeout, hook.retry_count],
  );
  return rows[0];
}

/** Replaces every field but id, created_at, last_run and last_success; undefined when unknown. */
export async function replaceHook(db: Queryable, hook: HookFields): Promise<HookRow | undefined> {
  const rows = await db.query<HookRow>(
    `UPDATE hooks SET name = $2, url = $3, type = $4, active = $5, timeout = $6, retry_count = $7
     WHERE id = $1 RETURNING ${COLUMNS}`,
    [hook.id, hook.name, hook.url, hook.type, hook.active, hook.timeout, hook.retry_count],
  );
  return rows[0];
}

export async function findHook(db: Queryable, id: string): Promise<HookRow | undefined> {
  const rows = await db.query<HookRow>(`SELECT ${COLUMNS} FROM hooks WHERE id = $1`, [id]);
  return rows[0];
}

/** Every hook, or the hooks of one type, oldest first. */
export function listHooks(db: Queryable, type?: string): Promise<HookRow[]> {
  return db.query<HookRow>(`SELECT ${COLUMNS} FROM hooks WHERE $1::text IS NULL OR type = $1 ORDER BY created_at, id`, [
    type ?? null,
  ]);
}

export async function deleteHook(db: Queryable, id: string): Promise<boolean> {
  const rows = await db.query(`DELETE FROM hooks WHERE id = $1 RETURNING id`, [id]);
  return rows.length === 1;
}

export async function recordHookRun(db: Queryable, id: string, success: boolean): Promise<void> {
  await db.query(`UPDATE hooks SET last_run = now(), last_success = $2 WHERE id = $1`, [id, success]);
}

/** The types that have at least one active hook. */
export async function activeHookTypes(db: Queryable): Promise<Set<string>> {
  const rows = await db.query<{ type: string }>('SELECT DISTINCT type FROM hooks WHERE active');
  return new Set(rows.map((row) => row.type));
}

/**
 * One pending delivery per (item, active hook of the item's type), in a single statement so that a
 * batch of transactions costs one round trip whatever the number of hooks.
 */
export async function insertHookDeliveries(
  db: Queryable,
  items: readonly { type: HookType; transaction_id: string; payload: string }[],
): Promise<void> {
  if (items.length === 0) return;
  await db.query(
    `INSERT INTO hook_deliveries (delivery_id, hook_id, transaction_id, payload, signing_key_id)
     SELECT 'hdl_' || gen_random_uuid()::text, h.id, t.transaction_id, t.payload, ${stampSql()}
     FROM unnest($1::text[], $2::text[], $3::jsonb[]) WITH ORDINALITY AS t (type, transaction_id, payload, ord)
     JOIN hooks h ON h.type = t.type AND h.active
     ORDER BY t.ord, h.created_at`,
    [items.map((i) => i.type), items.map((i) => i.transaction_id), items.map((i) => i.payload)],
  );
}

export interface ClaimedHookDelivery {
  delivery_id: string;
  hook_id: string;
  payload: unknown;
  attempts: number;
  url: string;
  type: string;
  timeout: number;
  retry_count: number;
}

/**
 * Claims due hook deliveries with the hook's current target. The lease is the hook's timeout plus
 * `lease_margin_ms`, so an attempt in progress is never taken by another dispatcher.
 */
export function claimHookDeliveries(
  db: Queryable,
  limit: number,
  lease_margin_ms: number,
  signing_key_id: string,
): Promise<ClaimedHookDelivery[]> {
  return db.query<ClaimedHookDelivery>(
    `UPDATE hook_deliveries d
     SET attempts = d.attempts + 1,
         next_attempt_at = now() + (GREATEST(h.timeout, 0) * 1000 + $2::float8) * interval '1 millisecond'
     FROM (SELECT delivery_id FROM hook_deliveries e
           WHERE status = 'pending' AND next_attempt_at <= now() AND ${claimableSql('e', '$3')}
           ORDER BY next_attempt_at, seq LIMIT $1 FOR UPDATE SKIP LOCKED) due, hooks h
     WHERE d.delivery_id = due.delivery_id AND h.id = d.hook_id
     RETURNING d.delivery_id, d.hook_id, d.payload, d.attempts, h.url, h.type, h.timeout, h.retry_count`,
    [limit, lease_margin_ms, signing_key_id],
  );
}
