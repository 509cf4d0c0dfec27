// Split references (migration 011) and who holds a reference: a derived row (one the server made
// under a parent or a group: a leg, an outcome, a child) or a client's own row.
import type { Queryable } from './database.js';

/**
 * Records each split's reference under its id; returns the references already recorded under
 * another id (repeats). Concurrent recorders of one reference meet on the primary key.
 */
export async function recordSplitReferences(
  db: Queryable,
  splits: readonly { reference: string; transaction_id: string }[],
): Promise<Set<string>> {
  if (splits.length === 0) return new Set();
  await db.query(
    `INSERT INTO split_references (reference, transaction_id)
     SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (reference) DO NOTHING`,
    [splits.map((s) => s.reference), splits.map((s) => s.transaction_id)],
  );
  return recordedElsewhere(db, splits);
}

/** The references of `splits` recorded under an id other than theirs (all recorded ones when the id is ''). */
export async function recordedElsewhere(
  db: Queryable,
  splits: readonly { reference: string; transaction_id: string }[],
): Promise<Set<string>> {
  if (splits.length === 0) return new Set();
  const rows = await db.query<{ reference: string; transaction_id: string }>(
    'SELECT reference, transaction_id FROM split_references WHERE reference = ANY($1::text[])',
    [splits.map((s) => s.reference)],
  );
  const own = new Map(splits.map((s) => [s.reference, s.transaction_id]));
  return new Set(rows.filter((row) => row.transaction_id !== own.get(row.reference)).map((row) => row.reference));
}

/** Which of `references` a client's own row holds (not a row the server derived under a parent or group). */
export async function clientHeldReferences(db: Queryable, references: readonly string[]): Promise<Set<string>> {
  if (references.length === 0) return new Set();
  const rows = await db.query<{ reference: string }>(
    `SELECT reference FROM transactions
     WHERE reference = ANY($1::text[]) AND parent_transaction = ''
       AND (queued_group IS NULL OR queued_group = transaction_id)`,
    [references],
  );
  return new Set(rows.map((row) => row.reference));
}
