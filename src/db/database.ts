// The only gateway to SQL. One interface, two backends: PostgreSQL through `pg`, or PostgreSQL
// embedded in the process through PGlite. Both return the same JavaScript types:
// NUMERIC and INT8 as exact decimal strings, timestamps as RFC 3339 strings, JSON without float loss.
export interface Queryable {
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /**
   * Announces `topic` to the database's `onCommitted` listeners once what was written here is
   * committed (at once outside a transaction; never when it rolls back), once per topic.
   */
  afterCommit(topic: string): void;
}

export interface Database extends Queryable {
  readonly kind: 'postgres' | 'embedded';
  /** Runs `work` inside one database transaction; commits on success, rolls back on a throw. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Embedded only: a tar of the data folder, taken between transactions (what a backup dumps). */
  snapshot?: () => Promise<Blob>;
  /** Calls `listener` with each topic a committed transaction announced (afterCommit); returns the unsubscribe. */
  onCommitted(listener: (topic: string) => void): () => void;
  /** Resolves when the database answers within `timeout_ms`, throws otherwise. */
  ping(timeout_ms: number): Promise<void>;
  close(): Promise<void>;
}

/** The listeners of one database's committed topics (no module state: one per opened database). */
export class CommitTopics {
  private readonly listeners = new Set<(topic: string) => void>();

  on(listener: (topic: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Calls every listener with every topic; a listener that throws cannot undo or fail the commit. */
  announce(topics: Iterable<string>): void {
    for (const topic of topics) {
      for (const listener of this.listeners) {
        try {
          listener(topic);
        } catch {
          // a nudge only: whoever missed it finds the work at its next poll
        }
      }
    }
  }
}

/** Postgres error with its SQLSTATE, as both drivers raise it. */
export interface SqlError extends Error {
  code?: string;
  constraint?: string;
}

export const SQLSTATE = {
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
  checkViolation: '23514',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
  lockNotAvailable: '55P03',
} as const;

export function isSqlError(error: unknown, sqlstate: string): error is SqlError {
  return typeof error === 'object' && error !== null && (error as SqlError).code === sqlstate;
}

const LOST_CONNECTION =
  /connection terminated|terminating connection|connection timeout|timeout exceeded when trying to connect|query read timeout|not queryable|ECONNREFUSED|ECONNRESET/i;
/** node's errors for a socket to the database that cannot be made or was lost. */
const SOCKET_ERRORS: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * The database cannot be reached or went away (a restart, a failover, a network cut): the request
 * itself is fine and may be tried again. SQLSTATE 08 (connection), 57P01-57P03 (shutdown, cannot
 * connect now), 53300 (too many connections); node's socket errors; pg's connect timeout.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (/^08/.test(code) || /^57P0[123]$/.test(code) || code === '53300') return true;
    if (SOCKET_ERRORS.has(code)) return true;
  }
  return typeof message === 'string' && LOST_CONNECTION.test(message);
}

/**
 * Failures that may pass by themselves: the database unavailable, conflicts between transactions (40),
 * resources (53), lock waits (55P03), an operator (57), the system (58). Anything else (a data error,
 * a bug) recurs on every try.
 */
export function isTransientFailure(error: unknown): boolean {
  if (isDatabaseUnavailable(error)) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (/^(40|53|57|58)/.test(code) || code === SQLSTATE.lockNotAvailable);
}
