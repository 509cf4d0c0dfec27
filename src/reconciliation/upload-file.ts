// An uploaded file on its way to the database: spooled to a temporary file (so a slow client never
// holds a database transaction open), its kind told by name or content (blnk-contract.md platform §10.1), and
// read back one record at a time by streaming parsers: csv-parse for CSV, stream-json for a JSON
// array (numbers kept as their text, so no amount passes through a float).
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, open, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { Transform, type Duplex, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse as parseCsv, CsvError } from 'csv-parse';
import { parser as jsonParser } from 'stream-json';
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

const SPOOL_PREFIX = 'kassa-upload-';
/** Spool folders older than this belong to no upload in progress (a process was killed mid-upload). */
const SPOOL_ORPHAN_AGE_MS = 3_600_000;

/** Removes spool folders that a killed process left behind. */
export async function removeOrphanSpools(): Promise<void> {
  const now = Date.now();
  for (const name of await readdir(tmpdir())) {
    if (!name.startsWith(SPOOL_PREFIX)) continue;
    const folder = join(tmpdir(), name);
    const info = await stat(folder).catch(() => undefined);
    if (info && now - info.mtimeMs > SPOOL_ORPHAN_AGE_MS) await rm(folder, { recursive: true, force: true });
  }
}

export interface SpooledFile {
  path: string;
  bytes: number;
  remove(): Promise<void>;
}

/** Writes `body` to a private temporary file, failing with UploadTooLarge past `max_bytes`. */
export async function spool(body: Readable, max_bytes: number): Promise<SpooledFile> {
  const folder = await mkdtemp(join(tmpdir(), SPOOL_PREFIX));
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

/** Characters one record may hold in all, CSV or JSON (bounds the memory a single record can take). */
const RECORD_CHARS_MAX = 1024 * 1024;
const REQUIRED_HEADER = ['id', 'amount', 'date'] as const;

/**
 * `parser` reading the file at `path` through `stages`: a read error reaches the parser (and so the reader of its
 * records), and ending early (a bad record) closes the file too.
 */
function parsedFile<T extends Duplex>(path: string, stages: Duplex[], parser: T): { output: T; close(): void } {
  const source = createReadStream(path);
  pipeline([source, ...stages, parser]).catch(() => undefined);
  return {
    output: parser,
    close() {
      for (const stream of [source, ...stages, parser]) stream.destroy();
    },
  };
}

async function* csvRecords(path: string): AsyncGenerator<ExternalRecord> {
  const { output: rows, close } = parsedFile(
    path,
    [],
    parseCsv({ bom: true, relax_column_count: true, skip_empty_lines: true, max_record_size: RECORD_CHARS_MAX }),
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
    close();
  }
  if (!columns) throw new UploadFileError('the CSV file is empty: it needs a header and records');
}

interface JsonToken {
  name: string;
  value?: unknown;
}

/**
 * Between stream-json's parser and its array streamer: refuses an array element past
 * RECORD_CHARS_MAX (counted from the parser's chunks, before the element is assembled), and drops the
 * chunks (the streamer reads packed values only).
 */
function boundedElements(): Transform {
  let depth = 0;
  let element = 0;
  let chars = 0;
  return new Transform({
    objectMode: true,
    transform(token: JsonToken, _encoding, done) {
      if (token.name === 'endObject' || token.name === 'endArray') depth -= 1;
      const starts = token.name === 'startObject' || token.name === 'startArray';
      if (depth === 1 && (starts || token.name.endsWith('Value'))) {
        element += 1;
        chars = 0;
      }
      if (starts) depth += 1;
      chars += 1;
      if (token.name === 'stringChunk' || token.name === 'numberChunk') {
        chars += String(token.value).length;
        if (chars > RECORD_CHARS_MAX)
          return done(new RecordError(element, undefined, `is larger than ${RECORD_CHARS_MAX} characters`));
        return done();
      }
      if (chars > RECORD_CHARS_MAX)
        return done(new RecordError(element, undefined, `is larger than ${RECORD_CHARS_MAX} characters`));
      done(null, token);
    },
  });
}

async function* jsonRecords(path: string): AsyncGenerator<ExternalRecord> {
  const { output: items, close } = parsedFile(
    path,
    [jsonParser.asStream(), boundedElements()],
    streamArray.asStream({ numberAsString: true }),
  );
  try {
    for await (const { key, value } of items as AsyncIterable<{ key: number; value: unknown }>) {
      const row = key + 1;
      if (!isPlainObject(value)) throw new RecordError(row, undefined, 'must be an object');
      yield externalRecord(value, row);
    }
  } catch (error) {
    // A system error (reading our own temporary file) is the server's, not the file's.
    if (error instanceof RecordError || typeof (error as { code?: unknown }).code === 'string') throw error;
    throw new UploadFileError('the JSON file must be an array of records {id, amount, currency, reference, description, date}');
  } finally {
    close();
  }
}

/** The records of a spooled file, one at a time, in file order. */
export function readRecords(path: string, kind: FileKind): AsyncGenerator<ExternalRecord> {
  return kind === 'csv' ? csvRecords(path) : jsonRecords(path);
}
