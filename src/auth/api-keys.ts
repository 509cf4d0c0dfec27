// Creating and verifying API keys against the database. Verified keys are cached in process; a
// background poll (every REVOCATION_POLL_MS, one small query per instance, off the request path)
// evicts keys revoked by any instance, so a revocation reaches every instance within one second,
// and the instance that revokes forgets the key at once. last_used_at and the last source address
// are written in the background: at most once per key per TOUCH_MIN_INTERVAL_MS, from a bounded
// set. A source address a key has never used is recorded (api_key.new_source in the audit log).
import { recordAudit, type AuditActor } from '../audit/audit-log.js';
import type { Database, Queryable } from '../db/database.js';
import {
  addApiKeySources,
  findApiKeysByPrefix,
  insertApiKey,
  lockApiKey,
  markApiKeyRevoked,
  markApiKeyRotated,
  recentlyRevokedApiKeys,
  touchApiKeys,
  type ApiKeyRow,
  type KeyUse,
} from '../db/api-keys.js';
import { ApiError } from '../errors.js';
import { newId } from '../ids.js';
import type { Logger } from '../log.js';
import { generateApiKey, hashApiKey, hashesEqual, keyPrefix } from './key-material.js';

export const REVOCATION_POLL_MS = 500;
/** Revocations are looked for this far before the previous poll, so commit order never hides one. */
const REVOCATION_LOOKBACK_S = 10;
/** A cached key is re-read after this long even without a revocation (hygiene, not correctness). */
const CACHE_TTL_MS = 60_000;
const CACHE_ENTRIES_MAX = 10_000;
export const TOUCH_INTERVAL_MS = 1000;
const TOUCH_MIN_INTERVAL_MS = 10_000;
const TOUCH_PENDING_MAX = 10_000;

export interface NewKeyRequest {
  name: string;
  owner_id: string;
  scopes: readonly string[];
  expires_at: string;
}

function insertNewKey(tx: Queryable, request: NewKeyRequest): Promise<{ row: ApiKeyRow; key: string }> {
  const key = generateApiKey();
  return insertApiKey(tx, {
    api_key_id: newId('api_key'),
    key_hash: hashApiKey(key),
    key_prefix: keyPrefix(key),
    ...request,
  }).then((row) => ({ row, key }));
}

/** Stores a new key and its audit row; the plaintext is returned here and nowhere else. */
export function createApiKey(db: Database, request: NewKeyRequest, who: AuditActor): Promise<{ row: ApiKeyRow; key: string }> {
  return db.transaction(async (tx) => {
    const created = await insertNewKey(tx, request);
    await recordAudit(tx, who, 'api_key.created', {
      api_key_id: created.row.api_key_id,
      name: request.name,
      scopes: request.scopes,
    });
    return created;
  });
}

/** Revokes the key only when it belongs to `owner_id`, with its audit row; false when no such key. */
export function revokeApiKey(db: Database, api_key_id: string, owner_id: string, who: AuditActor): Promise<boolean> {
  return db.transaction(async (tx) => {
    if (!(await markApiKeyRevoked(tx, api_key_id, owner_id))) return false;
    await recordAudit(tx, who, 'api_key.revoked', { api_key_id });
    return true;
  });
}

export interface Rotation {
  old: ApiKeyRow;
  row: ApiKeyRow;
  key: string;
}

/**
 * Replaces key `api_key_id` of `owner_id` with a new key of the same name, owner, scopes and expiry;
 * the old one works `grace_ms` more at most. `check` sees the old key before anything is written
 * (the caller's escalation rules). Revoked, expired or already rotated keys are refused.
 */
export function rotateApiKey(
  db: Database,
  target: { api_key_id: string; owner_id: string; grace_ms: number },
  who: AuditActor,
  check: (old: ApiKeyRow) => void,
): Promise<Rotation> {
  return db.transaction(async (tx) => {
    const current = await lockApiKey(tx, target.api_key_id, target.owner_id);
    if (!current) throw new ApiError('APIKEY_NOT_FOUND', 'API key not found');
    const refuse = (why: string) => new ApiError('APIKEY_NOT_ROTATABLE', `API key cannot be rotated: ${why}`);
    if (current.is_revoked) throw refuse('it is revoked');
    if (current.rotated_at !== null) throw refuse(`it was already rotated (replaced by ${current.replaced_by})`);
    if (Date.parse(current.expires_at) <= Date.now()) throw refuse('it is expired');
    check(current);
    const { row, key } = await insertNewKey(tx, {
      name: current.name,
      owner_id: current.owner_id,
      scopes: current.scopes,
      expires_at: current.expires_at,
    });
    const old = await markApiKeyRotated(tx, current.api_key_id, row.api_key_id, target.grace_ms);
    await recordAudit(tx, who, 'api_key.rotated', {
      api_key_id: old.api_key_id,
      replaced_by: row.api_key_id,
      old_key_expires_at: old.expires_at,
    });
    return { old, row, key };
  });
}

export type Verification =
  | { status: 'invalid' }
  /** Revoked, or at or past expires_at. */
  | { status: 'expired' }
  | { status: 'valid'; row: ApiKeyRow };

interface CacheEntry {
  row: ApiKeyRow;
  expires_at_ms: number;
  fetched_at_ms: number;
}

export class ApiKeyStore {
  private readonly cache = new Map<string, CacheEntry>();
  /** Key id -> the source address of its latest use, to write. */
  private readonly pendingTouches = new Map<string, string>();
  /** `<key id> <address>` pairs known to be recorded; the new ones wait in pendingSources. */
  private readonly knownSources = new Set<string>();
  private readonly pendingSources = new Map<string, AuditActor & KeyUse>();
  private readonly touchedAt = new Map<string, number>();
  private readonly touchTimer: NodeJS.Timeout;
  private readonly pollTimer: NodeJS.Timeout;
  private flushing: Promise<void> | undefined;
  private polling: Promise<void> | undefined;
  /** Database time of the last poll; revocations since (minus the lookback) are evicted. */
  private polledAt: string | null = null;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
  ) {
    this.touchTimer = setInterval(() => void this.flush(), TOUCH_INTERVAL_MS);
    this.touchTimer.unref();
    this.pollTimer = setInterval(() => void this.pollRevocations(), REVOCATION_POLL_MS);
    this.pollTimer.unref();
  }

  /** `hash` is hashApiKey(presented), when the caller has it already. */
  async verify(presented: string, hash: string = hashApiKey(presented), now_ms: number = Date.now()): Promise<Verification> {
    let entry = this.cache.get(hash);
    if (!entry || now_ms - entry.fetched_at_ms >= CACHE_TTL_MS) {
      entry = await this.load(presented, hash, now_ms);
      if (!entry) return { status: 'invalid' };
    }
    if (entry.row.is_revoked || now_ms >= entry.expires_at_ms) return { status: 'expired' };
    return { status: 'valid', row: entry.row };
  }

  /** Whether verify(…, hash) answers from the cache, without a database lookup. */
  isCached(hash: string, now_ms: number = Date.now()): boolean {
    const entry = this.cache.get(hash);
    return entry !== undefined && now_ms - entry.fetched_at_ms < CACHE_TTL_MS;
  }

  private async load(presented: string, hash: string, now_ms: number): Promise<CacheEntry | undefined> {
    this.cache.delete(hash);
    const candidates = await findApiKeysByPrefix(this.db, keyPrefix(presented));
    const row = candidates.find((candidate) => hashesEqual(candidate.key_hash, hash));
    if (!row) return undefined;
    if (this.cache.size >= CACHE_ENTRIES_MAX) this.cache.delete(this.cache.keys().next().value!);
    const entry = { row, expires_at_ms: Date.parse(row.expires_at), fetched_at_ms: now_ms };
    this.cache.set(hash, entry);
    return entry;
  }

  /** Drops a key from this instance's cache (after revoking it here, or seeing it revoked). */
  forget(api_key_id: string): void {
    for (const [hash, entry] of this.cache) if (entry.row.api_key_id === api_key_id) this.cache.delete(hash);
  }

  pollRevocations(): Promise<void> {
    if (this.polling || this.cache.size === 0) return this.polling ?? Promise.resolve();
    this.polling = recentlyRevokedApiKeys(this.db, this.polledAt, REVOCATION_LOOKBACK_S)
      .then(({ db_now, api_key_ids }) => {
        this.polledAt = db_now;
        const revoked = new Set(api_key_ids);
        for (const [hash, entry] of this.cache) {
          if (!entry.row.is_revoked && revoked.has(entry.row.api_key_id)) this.cache.delete(hash);
        }
      })
      .catch((error: unknown) => this.logger.warn({ err: error }, 'api keys: revocation poll failed'))
      .finally(() => (this.polling = undefined));
    return this.polling;
  }

  /**
   * Records a use by `who` (an API key); written by a coming flush unless this key was written
   * recently, and its source address noted when this process has not seen it with this key. Best
   * effort, bounded.
   */
  noteUsed(api_key_id: string, who: AuditActor, now_ms: number = Date.now()): void {
    const source_address = who.source_address ?? '';
    const pair = `${api_key_id} ${source_address}`;
    if (!this.knownSources.has(pair) && this.pendingSources.size < TOUCH_PENDING_MAX) {
      if (this.knownSources.size >= CACHE_ENTRIES_MAX) this.knownSources.clear();
      this.knownSources.add(pair);
      this.pendingSources.set(pair, { ...who, api_key_id, source_address });
    }
    const last = this.touchedAt.get(api_key_id);
    if (last !== undefined && now_ms - last < TOUCH_MIN_INTERVAL_MS) return;
    if (this.pendingTouches.size >= TOUCH_PENDING_MAX) return;
    if (this.touchedAt.size >= CACHE_ENTRIES_MAX) this.touchedAt.delete(this.touchedAt.keys().next().value!);
    this.touchedAt.set(api_key_id, now_ms);
    this.pendingTouches.set(api_key_id, source_address);
  }

  flush(): Promise<void> {
    if (this.flushing || (this.pendingTouches.size === 0 && this.pendingSources.size === 0)) {
      return this.flushing ?? Promise.resolve();
    }
    const touches = [...this.pendingTouches].map(([api_key_id, source_address]) => ({ api_key_id, source_address }));
    const sources = [...this.pendingSources.values()];
    this.pendingTouches.clear();
    this.pendingSources.clear();
    this.flushing = Promise.all([
      touches.length > 0 && touchApiKeys(this.db, touches),
      sources.length > 0 && this.recordSources(sources),
    ])
      .then(() => undefined)
      .catch((error: unknown) => this.logger.warn({ err: error }, 'api keys: last use not written'))
      .finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  /** Stores the sources; those no process had seen for their key get an api_key.new_source audit row. */
  private recordSources(uses: ReadonlyArray<AuditActor & KeyUse>): Promise<void> {
    return this.db.transaction(async (tx) => {
      const added = await addApiKeySources(tx, uses);
      const byPair = new Map(uses.map((use) => [`${use.api_key_id} ${use.source_address}`, use]));
      for (const { api_key_id, source_address } of added) {
        const { actor, owner_id, route } = byPair.get(`${api_key_id} ${source_address}`)!;
        await recordAudit(tx, { actor, owner_id, source_address, route }, 'api_key.new_source', { api_key_id });
      }
    });
  }

  /** Stops the timers and writes what is pending (call before the database closes). */
  async close(): Promise<void> {
    clearInterval(this.touchTimer);
    clearInterval(this.pollTimer);
    await this.polling;
    await this.flushing;
    await this.flush();
  }
}

/** An owner's keys, as the table holds them (listing needs no rule of its own). */
export { listApiKeys } from '../db/api-keys.js';
