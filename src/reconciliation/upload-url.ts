// Reconciliation uploads by URL (blnk-contract.md platform §10.1, blnk-contract.md auth §9.8): http or https only, the
// host (and every redirect's host) exactly on the whitelist, Blnk's user agent, one timeout over the
// whole download, and the body bounded like a multipart upload.
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { ApiError } from '../errors.js';
import { spool, UploadTooLarge, type SpooledFile } from './upload-file.js';

export const UPLOAD_USER_AGENT = 'blnk-reconciliation/1.0';
const REDIRECTS_MAX = 10;

export interface UrlUploadOptions {
  whitelist: readonly string[];
  timeout_ms: number;
  max_bytes: number;
}

/** The URL if its scheme and host are allowed; 400 otherwise. */
export function allowedUrl(text: string, whitelist: readonly string[], base?: URL): URL {
  let url: URL;
  try {
    url = new URL(text, base);
  } catch {
    throw new ApiError('RECON_UPLOAD_URL_INVALID', 'url must be an absolute http or https URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ApiError('RECON_UPLOAD_URL_INVALID', 'url must use the http or https scheme');
  }
  if (!whitelist.includes(url.hostname.toLowerCase())) {
    throw new ApiError('RECON_UPLOAD_HOST_NOT_ALLOWED', `host ${url.hostname} is not in the upload whitelist`);
  }
  return url;
}

/** The file name Blnk gives a download: the last segment of the path, or `download`. */
function fileNameOf(url: URL): string {
  const segment = url.pathname.split('/').pop() ?? '';
  if (segment === '') return 'download';
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function downloadFailed(reason: string): ApiError {
  return new ApiError('RECON_UPLOAD_FAILED', `the upload URL could not be downloaded: ${reason}`);
}

/** Downloads `text` to a temporary file, following allowed redirects by hand. */
export async function downloadUpload(text: string, options: UrlUploadOptions): Promise<{ file: SpooledFile; file_name: string }> {
  let url = allowedUrl(text, options.whitelist);
  const signal = AbortSignal.timeout(options.timeout_ms);
  try {
    for (let redirects = 0; ; redirects += 1) {
      const response = await fetch(url, { redirect: 'manual', signal, headers: { 'user-agent': UPLOAD_USER_AGENT } });
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        await response.body?.cancel();
        if (redirects >= REDIRECTS_MAX) throw downloadFailed('too many redirects');
        url = allowedUrl(location, options.whitelist, url);
        continue;
      }
      if (!response.ok || !response.body) {
        await response.body?.cancel();
        throw downloadFailed(`the server answered ${response.status}`);
      }
      const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
      return { file: await spool(body, options.max_bytes), file_name: fileNameOf(url) };
    }
  } catch (error) {
    if (error instanceof ApiError) throw error;
    if (signal.aborted) throw downloadFailed(`no answer within ${options.timeout_ms / 1000} s`);
    if (error instanceof UploadTooLarge) throw error;
    throw downloadFailed('the connection failed');
  }
}
