// Requests from another loopback address (127.0.0.2, ...): Linux routes all of 127.0.0.0/8 to the
// loopback interface, so a test can be "a different client" for per-address rules.
import { request } from 'node:http';
import { parseJson, stringifyJson } from '../../src/json.js';
import type { HttpResponse } from './http.js';

export function requestFrom(
  local_address: string,
  url: string,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: unknown } = {},
): Promise<HttpResponse> {
  const target = new URL(path, url);
  const payload = options.body === undefined ? undefined : stringifyJson(options.body);
  const headers: Record<string, string> = { ...options.headers };
  if (payload !== undefined) headers['content-type'] = 'application/json';
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method,
        headers,
        localAddress: local_address,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          let body: unknown = text;
          try {
            body = text === '' ? undefined : parseJson(text);
          } catch {
            // not JSON: keep the text
          }
          const answerHeaders = new Headers();
          for (const [name, value] of Object.entries(res.headers)) if (typeof value === 'string') answerHeaders.set(name, value);
          resolve({ status: res.statusCode ?? 0, headers: answerHeaders, body, text });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
