import type { Database } from './database.js';
import { openEmbedded } from './embedded.js';
import { openPostgres } from './postgres.js';

export interface DatabaseSettings {
  /** PostgreSQL URL; absent selects the embedded database. */
  url?: string;
  /** Data folder of the embedded database. */
  data_dir: string;
  max_connections: number;
}

export function openDatabase(settings: DatabaseSettings): Promise<Database> {
  return settings.url
    ? openPostgres({ url: settings.url, max_connections: settings.max_connections })
    : openEmbedded(settings.data_dir);
}
