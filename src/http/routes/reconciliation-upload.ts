// POST /reconciliation/upload (blnk-contract.md platform §10.1): a multipart `file` (with `source`), or a URL
// (multipart field or JSON body) fetched from a whitelisted host. The file is spooled to disk, its
// kind told, and its records stored in one transaction (src/reconciliation/store-upload.ts).
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '../../errors.js';
import { newId } from '../../ids.js';
import { RECORD_TEXT_CHARS_MAX } from '../../reconciliation/records.js';
import { storeUpload, uploadInvalid } from '../../reconciliation/store-upload.js';
import {
  fileKind,
  readRecords,
  removeOrphanSpools,
  spool,
  UploadFileError,
  UploadTooLarge,
  type SpooledFile,
} from '../../reconciliation/upload-file.js';
import { downloadUpload } from '../../reconciliation/upload-url.js';
import { textProblem } from '../input-limits.js';
import type { AppContext } from '../context.js';
import { described } from '../openapi/route-schema.js';
import { object, string } from '../openapi/components.js';
import { bodyObject } from '../validation.js';

const BYTES_PER_MB = 1024 * 1024;
/** Multipart parts one upload may have (file, source, url and a few strays). */
const PARTS_MAX = 20;
const FIELD_BYTES_MAX = 64 * 1024;

interface UploadRequest {
  file?: { spooled: SpooledFile; file_name: string };
  url: string;
  source: string;
}

function tooLarge(): ApiError {
  return new ApiError('GEN_PAYLOAD_TOO_LARGE', 'upload exceeds the maximum allowed size');
}

function fieldText(value: unknown, field: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new ApiError('GEN_MALFORMED_REQUEST', `${field} must be a string`);
  const problem =
    textProblem(value) ?? (value.length > RECORD_TEXT_CHARS_MAX ? `must have at most ${RECORD_TEXT_CHARS_MAX} characters` : '');
  if (problem) throw new ApiError('GEN_MALFORMED_REQUEST', `${field} ${problem}`);
  return value.trim();
}

/** The parts of a multipart upload; the first `file` part is spooled, other files are skipped. */
async function multipartUpload(request: FastifyRequest, max_bytes: number): Promise<UploadRequest> {
  const upload: UploadRequest = { url: '', source: '' };
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        if (part.fieldname === 'file' && !upload.file) {
          upload.file = { spooled: await spool(part.file, max_bytes), file_name: part.filename ?? '' };
        } else {
          part.file.resume();
        }
      } else if (part.fieldname === 'source' || part.fieldname === 'url') {
        upload[part.fieldname] = fieldText(part.value, part.fieldname);
      }
    }
  } catch (error) {
    await upload.file?.spooled.remove();
    if (error instanceof UploadTooLarge || (error as { statusCode?: number }).statusCode === 413) throw tooLarge();
    if (error instanceof ApiError) throw error;
    throw new ApiError('RECON_UPLOAD_FAILED', 'File upload failed: the multipart body could not be read');
  }
  return upload;
}

export function registerReconciliationUploadRoute(app: FastifyInstance, ctx: AppContext): void {
  const max_bytes = ctx.config.server.max_upload_size_mb * BYTES_PER_MB;
  const { upload_whitelist, upload_url_timeout_ms } = ctx.config.server;
  removeOrphanSpools().catch((error: unknown) => app.log.warn({ err: error }, 'could not remove old upload spools'));
  void app.register(async (scope) => {
    await scope.register(multipart, {
      throwFileSizeLimit: true,
      limits: { fileSize: max_bytes, parts: PARTS_MAX, fieldSize: FIELD_BYTES_MAX },
    });
    scope.post(
      '/reconciliation/upload',
      described({
        tags: ['Reconciliation'],
        summary: 'Upload external records: a multipart CSV or JSON file, or a URL on the whitelist',
        body: object({ url: string('http(s) URL of the file; its host must be in upload_whitelist'), source: string() }),
        answers: { 200: object({ upload_id: string(), record_count: { type: 'integer' }, source: string() }) },
        errors: [
          'RECON_UPLOAD_FAILED',
          'RECON_UPLOAD_INVALID',
          'RECON_UPLOAD_URL_INVALID',
          'RECON_UPLOAD_HOST_NOT_ALLOWED',
          'GEN_PAYLOAD_TOO_LARGE',
        ],
      }),
      async (request) => {
        let upload: UploadRequest;
        if (request.isMultipart()) upload = await multipartUpload(request, max_bytes);
        else {
          const body = bodyObject(request.body ?? {});
          upload = { url: fieldText(body.url, 'url'), source: fieldText(body.source, 'source') };
        }
        if (!upload.file && upload.url !== '') {
          const downloaded = await downloadUpload(upload.url, {
            whitelist: upload_whitelist,
            timeout_ms: upload_url_timeout_ms,
            max_bytes,
          }).catch((error: unknown) => {
            throw error instanceof UploadTooLarge ? tooLarge() : error;
          });
          upload.file = { spooled: downloaded.file, file_name: downloaded.file_name };
        }
        if (!upload.file) throw new ApiError('RECON_UPLOAD_FAILED', 'File upload failed');
        const { spooled, file_name } = upload.file;
        try {
          const kind = await fileKind(spooled.path, file_name);
          if (!kind) throw uploadInvalid(new UploadFileError('unsupported file type: upload a CSV file or a JSON array'));
          return await storeUpload(ctx.db, newId('upload'), upload.source, readRecords(spooled.path, kind));
        } finally {
          await spooled.remove();
        }
      },
    );
  });
}
