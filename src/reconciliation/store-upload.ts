// Storing an upload: every record of the file, or none. The records go in batches inside one database
// transaction (Blnk keeps the rows before a failing one); a record whose id is already stored, in this
// file or an earlier upload, is refused by its row.
import { isSqlError, SQLSTATE, type Database, type Queryable } from '../db/database.js';
import { insertExternalRecords, insertUpload, setUploadCount, storedExternalIds } from '../db/reconciliation-uploads.js';
import { ApiError } from '../errors.js';
import { RecordError, type ExternalRecord } from './records.js';
import { UploadFileError } from './upload-file.js';

const INSERT_BATCH = 1000;

export interface StoredUpload {
  upload_id: string;
  record_count: number;
  source: string;
}

/** A record or the file itself is at fault: 400 naming the row (Blnk answers 500 and keeps rows). */
export function uploadInvalid(error: RecordError | UploadFileError): ApiError {
  return new ApiError('RECON_UPLOAD_INVALID', error.message);
}

async function storeBatch(tx: Queryable, upload: StoredUpload, batch: { record: ExternalRecord; row: number }[]): Promise<void> {
  // Earlier batches are stored in this transaction already, so this also finds repeats within the file.
  const stored = new Set(
    await storedExternalIds(
      tx,
      batch.map((item) => item.record.id),
    ),
  );
  const duplicate = batch.find((item) => stored.has(item.record.id));
  if (duplicate) {
    throw new RecordError(
      duplicate.row,
      'id',
      `${JSON.stringify(duplicate.record.id)} is already stored (earlier in this file or in an earlier upload)`,
    );
  }
  await insertExternalRecords(
    tx,
    upload.upload_id,
    upload.source,
    upload.record_count + 1,
    batch.map((item) => item.record),
  );
  upload.record_count += batch.length;
}

/** Stores `records` under `upload_id` in `tx`; a RecordError or UploadFileError stops it. */
export async function storeRecords(
  tx: Queryable,
  upload_id: string,
  source: string,
  records: AsyncIterable<ExternalRecord> | Iterable<ExternalRecord>,
): Promise<StoredUpload> {
  const upload: StoredUpload = { upload_id, record_count: 0, source };
  await insertUpload(tx, upload_id, source);
  let seen = new Map<string, number>();
  let batch: { record: ExternalRecord; row: number }[] = [];
  let row = 0;
  for await (const record of records) {
    row += 1;
    const earlier = seen.get(record.id);
    if (earlier !== undefined) throw new RecordError(row, 'id', `${JSON.stringify(record.id)} repeats row ${earlier}`);
    seen.set(record.id, row);
    batch.push({ record, row });
    if (batch.length === INSERT_BATCH) {
      await storeBatch(tx, upload, batch);
      batch = [];
      seen = new Map();
    }
  }
  if (batch.length > 0) await storeBatch(tx, upload, batch);
  await setUploadCount(tx, upload_id, upload.record_count);
  return upload;
}

/**
 * Stores `records` under `upload_id` in a transaction of its own; the answer is Blnk's upload result.
 * An invalid record or file is 400 RECON_UPLOAD_INVALID and nothing stays.
 */
export async function storeUpload(
  db: Database,
  upload_id: string,
  source: string,
  records: AsyncIterable<ExternalRecord> | Iterable<ExternalRecord>,
): Promise<StoredUpload> {
  try {
    return await db.transaction((tx) => storeRecords(tx, upload_id, source, records));
  } catch (error) {
    throw uploadError(error);
  }
}

/** What the client is told when storing records failed: its records' fault as 400, anything else as is. */
export function uploadError(error: unknown, prefix = ''): unknown {
  if (error instanceof RecordError || error instanceof UploadFileError)
    return uploadInvalid(new UploadFileError(prefix + error.message));
  // Another upload stored one of these ids between the check and the insert.
  if (isSqlError(error, SQLSTATE.uniqueViolation)) {
    return uploadInvalid(new UploadFileError(`${prefix}an id was stored by another upload at the same time`));
  }
  return error;
}
