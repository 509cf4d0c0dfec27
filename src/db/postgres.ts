import pg from 'pg';
import { CommitTopics, isDatabaseUnavailable, type Database, type Queryable } from './database.js';
import { TYPE_PARSERS, toSqlParams } from './types.js';

export interface PostgresOptions {
  url: string;
  max_connections: number;
  /** Sets the session's kassa.hash_chain, which switches the chain trigger on (migration 020). */
  hash_chain?: boolean;
}

const typeOverrides = {
  getTypeParser(oid: number, format?: string) {
    return TYPE_PARSERS[oid] ?? pg.types.getTypeParser(oid, format as 'text');
  },
} as unknown as pg.CustomTypesConfig;

const CONNECT_TIMEOUT_MS = 5_000;

/** Statements on the pool (each its own commit) or on a client in a transaction that keeps `topics`. */
function queryable(client: pg.Pool | pg.PoolClient, afterCommit: (topic: string) => void): Queryable {
  return {
    afterCommit,
    async query<Row>(sql: string, params?: readonly unknown[]): Promise<Row[]> {
      const result = await client.query(sql, toSqlParams(params));
      return result.rows as Row[];
    },
    async exec(sql: string): Promise<void> {
      await client.query(sql);
    },
  };
}

export async function openPostgres(options: PostgresOptions): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max_connections,
    types: typeOverrides,
    options: `-c TimeZone=UTC${options.hash_chain ? ' -c kassa.hash_chain=on' : ''}`,
    // A server that does not answer fails the request (503) instead of stalling it.
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  // The server going away (a restart, a failover, pg_terminate_backend) makes a client emit 'error',
  // idle in the pool or checked out between two queries. Unhandled, that event kills the process: every
  // client gets a listener, and the query in progress or the next one reports the failure.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const committed = new CommitTopics();
  const direct = queryable(pool, (topic) => committed.announce([topic]));
  return {
    kind: 'postgres',
    query: direct.query,
    exec: direct.exec,
    afterCommit: direct.afterCommit,
    onCommitted: (listener) => committed.on(listener),
    async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      const topics = new Set<string>();
      let lost: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await work(queryable(client, (topic) => topics.add(topic)));
        await client.query('COMMIT');
        committed.announce(topics);
        return result;
      } catch (error) {
        if (isDatabaseUnavailable(error)) lost = error as Error;
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        // A client whose connection was lost is destroyed, not handed to the next caller.
        client.release(lost);
      }
    },
    async ping(timeout_ms: number): Promise<void> {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('database ping timed out')), timeout_ms);
      });
      try {
        await Promise.race([pool.query('SELECT 1'), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    async close(): Promise<void> {
      if (pool.ended) return;
      await pool.end();
    },
  };
}
