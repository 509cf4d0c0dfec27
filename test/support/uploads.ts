// Multipart uploads for reconciliation tests, sent as a browser or the SDK's form-data would send them.
import type { HttpClient, HttpResponse } from './http.js';
import { parseJson } from '../../src/json.js';

/** POST /reconciliation/upload with a `file` part named `file_name` and the given text fields. */
export async function uploadFile(
  http: HttpClient,
  content: string,
  file_name: string,
  fields: Record<string, string> = { source: 'bank' },
): Promise<HttpResponse> {
  const form = new FormData();
  form.append('file', new Blob([content]), file_name);
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  const response = await fetch(`${http.url}/reconciliation/upload`, { method: 'POST', headers: http.headers, body: form });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = parseJson(text);
  } catch {
    // not JSON
  }
  return { status: response.status, headers: response.headers, body, text };
}

/** A CSV with Blnk's header and one line per record. */
export function csv(
  rows: readonly (readonly (string | number)[])[],
  header = 'ID,Amount,Currency,Reference,Description,Date',
): string {
  return [header, ...rows.map((row) => row.join(','))].join('\n') + '\n';
}
