import type { Database } from './database.js';

export interface DatabaseSettings {
  /** PostgreSQL URL; absent selects the embedded database. */
  url?: string;
  /** Data folder of the embedded database. */
  data_dir: string;
  max_connections: number;
  /** Every transaction row this process inserts takes a link of the hash chain (migration 020). */
  hash_chain?: boolean;
}

/** Each backend is loaded only when chosen: `pg` is not needed by the embedded database, nor PGlite by PostgreSQL. */
export async function openDatabase(settings: DatabaseSettings): Promise<Database> {
  if (settings.url) {
    const { openPostgres } = await import('./postgres.js');
    return openPostgres({ url: settings.url, max_connections: settings.max_connections, hash_chain: settings.hash_chain });
  }
  const { openEmbedded } = await import('./embedded.js');
  return openEmbedded(settings.data_dir, { hash_chain: settings.hash_chain });
}
