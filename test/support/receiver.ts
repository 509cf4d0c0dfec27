// A real HTTP receiver on 127.0.0.1 for webhook and hook tests: records every request (headers and
// raw body) and answers as the test says. It can go down and come back on the same port.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseJson } from '../../src/json.js';
import { verifyKassaSignature } from '../../src/events/signature.js';

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  body: any;
  /** The status this receiver answered (undefined while held or when it never answered). */
  answered?: number;
}

export interface Answer {
  status: number;
  body?: string;
  /** Never answer (the request stays open until the receiver closes). */
  hang?: boolean;
  /** Answer after this long. */
  delay_ms?: number;
  /** Extra response headers (a redirect's Location, a file's content type). */
  headers?: Record<string, string>;
}

export type Responder = (request: ReceivedRequest, received: readonly ReceivedRequest[]) => Answer;

export class Receiver {
  readonly requests: ReceivedRequest[] = [];
  respond: Responder = () => ({ status: 200 });
  private server: Server | undefined;
  private port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const rawBody = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        try {
          body = parseJson(rawBody);
        } catch {
          body = undefined;
        }
        const request: ReceivedRequest = { path: req.url ?? '', headers: req.headers, rawBody, body };
        this.requests.push(request);
        const answer = this.respond(request, this.requests);
        if (answer.hang) return;
        const send = () => {
          request.answered = answer.status;
          res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
          res.end(answer.body ?? '');
        };
        if (answer.delay_ms) setTimeout(send, answer.delay_ms);
        else send();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  /** Goes down: refuses connections until start() is called again (same port). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Requests whose JSON body matches. */
  where(match: (body: any, request: ReceivedRequest) => boolean): ReceivedRequest[] {
    return this.requests.filter((request) => request.body !== undefined && match(request.body, request));
  }
}

/** Polls `check` every 100 ms until it returns a truthy value, or fails after `timeout_ms`. */
export async function eventually<T>(
  check: () => T | Promise<T>,
  timeout_ms = 15_000,
  what = 'condition',
): Promise<Exclude<T, false | null | undefined | 0 | ''>> {
  const deadline = Date.now() + timeout_ms;
  for (;;) {
    const value = await check();
    if (value) return value as Exclude<T, false | null | undefined | 0 | ''>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits `ms` so that something that should not happen has a chance to (only for negative checks). */
export function settle(ms = 1_000): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Would a receiver holding `secret` accept this delivery? From X-Blnk-Signature, and with `previous`
 * also from X-Blnk-Signature-Previous (a master-key rotation).
 */
export function signedBy(secret: string, request: ReceivedRequest, options: { previous?: boolean } = {}): boolean {
  return verifyKassaSignature({
    secret,
    timestamp: request.headers['x-blnk-timestamp'] as string | undefined,
    signature: request.headers['x-blnk-signature'] as string | undefined,
    previous_signatures: options.previous ? (request.headers['x-blnk-signature-previous'] as string | undefined) : undefined,
    rawBody: request.rawBody,
    tolerance_s: 300,
  });
}
