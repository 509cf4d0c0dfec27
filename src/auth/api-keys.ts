// Creating and verifying API keys against the database. Verified keys are cached in process for
// at most CACHE_TTL_MS, so a revocation made by any instance is seen by every instance within one
// second; the instance that revokes forgets the key at once. last_used_at is written in the
// background, at most once per key per flush, from a bounded set.
import type { Database } from '../db/database.js';
import { findApiKeysByPrefix, insertApiKey, touchApiKeys, type ApiKeyRow } from '../db/api-keys.js';
import { newId } from '../ids.js';
import type { Logger } from '../log.js';
import { generateApiKey, hashApiKey, hashesEqual, keyPrefix } from './keys.js';

export const CACHE_TTL_MS = 500;
const CACHE_ENTRIES_MAX = 10_000;
export const TOUCH_INTERVAL_MS = 1000;
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
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
  ) {
    this.timer = setInterval(() => void this.flush(), TOUCH_INTERVAL_MS);
    this.timer.unref();
  }

  async verify(presented: string, now_ms: number = Date.now()): Promise<Verification> {
    const hash = hashApiKey(presented);
    let entry = this.cache.get(hash);
    if (!entry || now_ms - entry.fetched_at_ms >= CACHE_TTL_MS) {
      entry = await this.load(presented, hash, now_ms);
      if (!entry) return { status: 'invalid' };
    }
    if (entry.row.is_revoked || now_ms >= entry.expires_at_ms) return { status: 'expired' };
    return { status: 'valid', row: entry.row };
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

  /** Drops a key from this instance's cache (after revoking it here). */
  forget(api_key_id: string): void {
    for (const [hash, entry] of this.cache) if (entry.row.api_key_id === api_key_id) this.cache.delete(hash);
  }

  /** Records a use; written by the next flush. Dropped when too many are pending (best effort). */
  noteUsed(api_key_id: string): void {
    if (this.pendingTouches.size < TOUCH_PENDING_MAX) this.pendingTouches.add(api_key_id);
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

  /** Stops the timer and writes what is pending (call before the database closes). */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flushing;
    await this.flush();
  }
}
