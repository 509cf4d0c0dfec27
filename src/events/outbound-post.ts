// One outbound POST with a deadline. A network error, a timeout or an abort throws; any HTTP answer
// resolves with its status and (the first RESPONSE_BYTES_MAX bytes of) its body.
export const RESPONSE_BYTES_MAX = 64 * 1024;

export interface PostAnswer {
  status: number;
  body: string;
}

export async function postJson(
  url: string,
  body: string,
  headers: Headers,
  timeout_ms: number,
  abort: AbortSignal,
): Promise<PostAnswer> {
  const signal = AbortSignal.any([AbortSignal.timeout(timeout_ms), abort]);
  const response = await fetch(url, { method: 'POST', body, headers, signal });
  return { status: response.status, body: await readBounded(response) };
}

async function readBounded(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < RESPONSE_BYTES_MAX) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  await reader.cancel().catch(() => {});
  return Buffer.concat(chunks).subarray(0, RESPONSE_BYTES_MAX).toString('utf8');
}

/** A short, secret-free description of a failed attempt for logs and `last_error`. */
export function describeFailure(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') return 'timed out';
    if (error.name === 'AbortError') return 'aborted: shutting down';
    const cause = (error as { cause?: { code?: string } }).cause;
    return cause?.code ? `network error: ${cause.code}` : `network error: ${error.message}`;
  }
  return 'network error';
}
