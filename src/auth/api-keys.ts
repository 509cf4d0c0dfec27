// Creating and verifying API keys against the database. Verified keys are cached in process; a
// background poll (every REVOCATION_POLL_MS, one small query per instance, off the request path)
// evicts keys revoked by any instance, so a revocation reaches every instance within one second,
// and the instance that revokes forgets the key at once. last_used_at is written in the
// background: at most once per key per TOUCH_MIN_INTERVAL_MS, from a bounded set.
import type { Database } from '../db/database.js';
import { findApiKeysByPrefix, insertApiKey, recentlyRevokedApiKeys, touchApiKeys, type ApiKeyRow } from '../db/api-keys.js';
import { newId } from '../ids.js';
import type { Logger } from '../log.js';
import { generateApiKey, hashApiKey, hashesEqual, keyPrefix } from './keys.js';

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

/** Stores a new key; the plaintext is returned here and nowhere else. */
export async function createApiKey(db: Database, request: NewKeyRequest): Promise<{ row: ApiKeyRow; key: string }> {
  const key = generateApiKey();
  const row = await insertApiKey(db, {
    api_key_id: newId('api_key'),
    key_hash: hashApiKey(key),
    key_prefix: keyPrefix(key),
    ...request,
  });
  return { row, key };
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
  private readonly pendingTouches = new Set<string>();
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

  /** Records a use; written by a coming flush unless this key was written recently. Best effort, bounded. */
  noteUsed(api_key_id: string, now_ms: number = Date.now()): void {
    const last = this.touchedAt.get(api_key_id);
    if (last !== undefined && now_ms - last < TOUCH_MIN_INTERVAL_MS) return;
    if (this.pendingTouches.size >= TOUCH_PENDING_MAX) return;
    if (this.touchedAt.size >= CACHE_ENTRIES_MAX) this.touchedAt.delete(this.touchedAt.keys().next().value!);
    this.touchedAt.set(api_key_id, now_ms);
    this.pendingTouches.add(api_key_id);
  }

  flush(): Promise<void> {
    if (this.flushing || this.pendingTouches.size === 0) return this.flushing ?? Promise.resolve();
    const ids = [...this.pendingTouches];
    this.pendingTouches.clear();
    this.flushing = touchApiKeys(this.db, ids)
      .catch((error: unknown) => this.logger.warn({ err: error }, 'api keys: last_used_at update failed'))
      .finally(() => (this.flushing = undefined));
    return this.flushing;
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
