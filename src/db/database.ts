// The only gateway to SQL. One interface, two backends: PostgreSQL through `pg`, or PostgreSQL
// embedded in the process through PGlite. Both return the same JavaScript types:
// NUMERIC and INT8 as exact decimal strings, timestamps as RFC 3339 strings, JSON without float loss.
export interface Queryable {
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Database extends Queryable {
  readonly kind: 'postgres' | 'embedded';
  /** Runs `work` inside one database transaction; commits on success, rolls back on a throw. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Resolves when the database answers within `timeout_ms`, throws otherwise. */
  ping(timeout_ms: number): Promise<void>;
  close(): Promise<void>;
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
} as const;

export function isSqlError(error: unknown, sqlstate: string): error is SqlError {
  return typeof error === 'object' && error !== null && (error as SqlError).code === sqlstate;
}
