// An uploaded file on its way to the database: spooled to a temporary file (so a slow client never
// holds a database transaction open), its kind told by name or content (blnk-platform.md §10.1), and
// read back one record at a time by streaming parsers: csv-parse for CSV, stream-json for a JSON
// array (numbers kept as their text, so no amount passes through a float).
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse as parseCsv, CsvError } from 'csv-parse';
import { streamArray } from 'stream-json/streamers/stream-array.js';
import { isPlainObject } from '../http/validation.js';
import { externalRecord, RecordError, RECORD_FIELDS, type ExternalRecord } from './records.js';

export type FileKind = 'csv' | 'json';

/** A file's content does not make an upload (its kind, its header, its shape); the message says why. */
export class UploadFileError extends Error {}

/** The upload is larger than `max_upload_size_mb`. */
export class UploadTooLarge extends Error {
  constructor() {
    super('upload exceeds the maximum allowed size');
  }
}

export interface SpooledFile {
  path: string;
  bytes: number;
  remove(): Promise<void>;
}

/** Writes `body` to a private temporary file, failing with UploadTooLarge past `max_bytes`. */
export async function spool(body: Readable, max_bytes: number): Promise<SpooledFile> {
  const folder = await mkdtemp(join(tmpdir(), 'kassa-upload-'));
  const path = join(folder, 'upload');
  const remove = () => rm(folder, { recursive: true, force: true });
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done(bytes > max_bytes ? new UploadTooLarge() : null, chunk);
    },
  });
  try {
    await pipeline(body, counter, createWriteStream(path, { mode: 0o600 }));
  } catch (error) {
    await remove();
    throw error;
  }
  return { path, bytes, remove };
}

const SNIFF_BYTES = 64 * 1024;
const SNIFF_LINES = 5;

/** By the name's extension, else by content: JSON opening with `[` or `{`, CSV with steady commas. */
export async function fileKind(path: string, file_name: string): Promise<FileKind | undefined> {
  const extension = extname(file_name).toLowerCase();
  if (extension === '.csv') return 'csv';
  if (extension === '.json') return 'json';
  const handle = await open(path, 'r');
  let head: string;
  try {
    const buffer = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SNIFF_BYTES, 0);
    head = buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
  const trimmed = head.replace(/^\uFEFF/, '').trimStart();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) return 'json';
  const lines = trimmed.split(/\r?\n/).filter((line) => line !== '');
  if (lines.length < 2) return undefined;
  const commas = lines.slice(0, SNIFF_LINES).map((line) => line.split(',').length - 1);
  return commas[0] > 0 && commas.every((count) => count === commas[0]) ? 'csv' : undefined;
}

/** Cells one CSV record may hold in all (bounds the memory a malformed quote can take). */
const CSV_RECORD_BYTES_MAX = 1024 * 1024;
const REQUIRED_HEADER = ['id', 'amount', 'date'] as const;

async function* csvRecords(path: string): AsyncGenerator<ExternalRecord> {
  const rows = createReadStream(path).pipe(
    parseCsv({ bom: true, relax_column_count: true, skip_empty_lines: true, max_record_size: CSV_RECORD_BYTES_MAX }),
  );
  let columns: Map<string, number> | undefined;
  let header_length = 0;
  let row = 0;
  try {
    for await (const cells of rows as AsyncIterable<string[]>) {
      if (!columns) {
        columns = new Map(cells.map((name, i) => [name.trim().toLowerCase(), i]));
        header_length = cells.length;
        const missing = REQUIRED_HEADER.filter((name) => !columns?.has(name));
        if (missing.length > 0) {
          throw new UploadFileError(`the CSV header must name the columns ID, Amount and Date; missing: ${missing.join(', ')}`);
        }
        continue;
      }
      row += 1;
      if (cells.length !== header_length) {
        throw new RecordError(row, undefined, `has ${cells.length} fields where the header has ${header_length}`);
      }
      const fields: Record<string, string | undefined> = {};
      for (const field of RECORD_FIELDS) {
        const index = columns.get(field);
        fields[field] = index === undefined ? undefined : cells[index];
      }
      yield externalRecord(fields, row);
    }
  } catch (error) {
    if (error instanceof CsvError) throw new UploadFileError(`CSV line ${String(error.lines ?? '?')}: ${error.message}`);
    throw error;
  } finally {
    rows.destroy();
  }
  if (!columns) throw new UploadFileError('the CSV file is empty: it needs a header and records');
}

async function* jsonRecords(path: string): AsyncGenerator<ExternalRecord> {
  const items = createReadStream(path).pipe(streamArray.withParserAsStream({ numberAsString: true }));
  try {
    for await (const { key, value } of items as AsyncIterable<{ key: number; value: unknown }>) {
      const row = key + 1;
      if (!isPlainObject(value)) throw new RecordError(row, undefined, 'must be an object');
      yield externalRecord(value, row);
    }
  } catch (error) {
    if (error instanceof RecordError) throw error;
    throw new UploadFileError('the JSON file must be an array of records {id, amount, currency, reference, description, date}');
  } finally {
    items.destroy();
  }
}

/** The records of a spooled file, one at a time, in file order. */
export function readRecords(path: string, kind: FileKind): AsyncGenerator<ExternalRecord> {
  return kind === 'csv' ? csvRecords(path) : jsonRecords(path);
}
