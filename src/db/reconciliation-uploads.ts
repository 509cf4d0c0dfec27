// Uploaded external records (migration 015): an upload row and its records, written in one transaction.
import type { Queryable } from './database.js';
import type { ExternalRecord } from '../reconciliation/records.js';

export async function insertUpload(tx: Queryable, upload_id: string, source: string): Promise<void> {
  await tx.query('INSERT INTO reconciliation_uploads (upload_id, source, record_count) VALUES ($1, $2, 0)', [upload_id, source]);
}

export async function setUploadCount(tx: Queryable, upload_id: string, record_count: number): Promise<void> {
  await tx.query('UPDATE reconciliation_uploads SET record_count = $2 WHERE upload_id = $1', [upload_id, record_count]);
}

export async function uploadExists(db: Queryable, upload_id: string): Promise<boolean> {
  const rows = await db.query('SELECT 1 FROM reconciliation_uploads WHERE upload_id = $1', [upload_id]);
  return rows.length > 0;
}

/** The ids among `ids` already stored (by any upload). */
export async function storedExternalIds(tx: Queryable, ids: readonly string[]): Promise<string[]> {
  const rows = await tx.query<{ id: string }>('SELECT id FROM external_transactions WHERE id = ANY($1::text[])', [ids]);
  return rows.map((row) => row.id);
}

/** Stores `records`, the first at `first_position`, with one statement; a record's own source wins. */
export async function insertExternalRecords(
  tx: Queryable,
  upload_id: string,
  source: string,
  first_position: number,
  records: readonly ExternalRecord[],
): Promise<void> {
  await tx.query(
    `INSERT INTO external_transactions (id, upload_id, position, amount, currency, reference, description, date, source)
     SELECT u.id, $1, $2::int + u.ord::int - 1, u.amount, u.currency, u.reference, u.description, u.date, u.source
     FROM unnest($3::text[], $4::numeric[], $5::text[], $6::text[], $7::text[], $8::timestamptz[], $9::text[])
          WITH ORDINALITY AS u(id, amount, currency, reference, description, date, source, ord)`,
    [
      upload_id,
      first_position,
      records.map((r) => r.id),
      records.map((r) => r.amount),
      records.map((r) => r.currency),
      records.map((r) => r.reference),
      records.map((r) => r.description),
      records.map((r) => r.date),
      records.map((r) => r.source ?? source),
    ],
  );
}
