// node-postgres's parameter serialization (not covered by @types/pg), shared by the embedded database.
declare module 'pg/lib/utils.js' {
  /** A query parameter as node-postgres sends it: text, a Buffer, or null. */
  export function prepareValue(value: unknown): string | Buffer | null;
}
