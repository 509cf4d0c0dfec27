// Blnk's automatic account numbers: a GET to `account_number_generation.http_service.url` with its
// Authorization header, answered `{"account_number": "...", "bank_name": "..."}`. Kassa bounds the
// call (timeout, body size) and refuses an answer it cannot use, where Blnk waits and guesses.
import { ApiError } from '../errors.js';

export interface AccountNumberService {
  url: string;
  authorization: string;
  timeout_ms: number;
}

export interface GeneratedNumber {
  account_number: string;
  bank_name: string;
}

const ANSWER_BYTES_MAX = 65_536;

const failed = (reason: string) => new ApiError('ACC_GENERATION_FAILED', `account number generation failed: ${reason}`);

async function boundedText(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (bytes > ANSWER_BYTES_MAX) {
      await reader.cancel();
      throw failed(`the service answered more than ${ANSWER_BYTES_MAX} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The service's number and bank; the error never carries the URL or the Authorization header. */
export async function requestAccountNumber(service: AccountNumberService): Promise<GeneratedNumber> {
  let response: Response;
  try {
    response = await fetch(service.url, {
      headers: service.authorization ? { Authorization: service.authorization } : {},
      signal: AbortSignal.timeout(service.timeout_ms),
      redirect: 'error',
    });
  } catch (error) {
    const timedOut = error instanceof Error && error.name === 'TimeoutError';
    throw failed(timedOut ? `the service did not answer within ${service.timeout_ms} ms` : 'the service could not be reached');
  }
  let text: string;
  try {
    text = await boundedText(response);
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw failed(`the service did not answer within ${service.timeout_ms} ms`);
  }
  if (!response.ok) throw failed(`the service answered HTTP ${response.status}`);
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    throw failed('the service did not answer JSON');
  }
  const { account_number = '', bank_name = '' } = (answer ?? {}) as Record<string, unknown>;
  if (typeof answer !== 'object' || typeof account_number !== 'string' || typeof bank_name !== 'string') {
    throw failed('the answer must be an object whose account_number and bank_name are strings');
  }
  return { account_number, bank_name };
}
