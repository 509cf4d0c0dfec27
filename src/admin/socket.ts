// The admin socket: a Unix socket in the embedded data folder through which the `kassa` command asks
// the running server to create keys and to list or retry dead deliveries. The embedded database can be
// opened by one process only, so without it the CLI could not act while the server runs. Only the
// user that runs the server may connect. PostgreSQL needs no
// socket (any number of processes open it), so there is none. The socket is created owner-only (the
// process umask is narrowed while it binds); a server that cannot make one carries on without it.
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import type { Database } from '../db/database.js';
import { parseJson, stringifyJson } from '../json.js';
import type { Logger } from '../log.js';
import { verifyHashChain, type ChainSettings } from '../audit/hash-chain.js';
import { AdminError, auditEvents, createKey, deadDeliveries, retryDeliveries, type KeyRequest } from './operations.js';

const SOCKET_NAME = 'admin.sock';
/** Unix socket paths are limited to 107 bytes on Linux. */
const SOCKET_PATH_BYTES_MAX = 107;
const BODY_BYTES_MAX = 64 * 1024;
const CALL_TIMEOUT_MS = 30_000;

export function adminSocketPath(data_dir: string): string {
  return resolve(join(data_dir, SOCKET_NAME));
}

async function readBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > BODY_BYTES_MAX) throw new AdminError('request too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  let body: unknown = {};
  try {
    if (text !== '') body = parseJson(text);
  } catch {
    throw new AdminError('the body is not JSON');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new AdminError('the body must be a JSON object');
  return body as Record<string, unknown>;
}

const strings = (value: unknown): string[] | undefined =>
  Array.isArray(value) && value.every((item) => typeof item === 'string') ? value : undefined;

async function route(db: Database, request: IncomingMessage, chain: ChainSettings): Promise<[number, unknown]> {
  const url = new URL(request.url ?? '/', 'http://admin');
  const call = `${request.method} ${url.pathname}`;
  if (call === 'POST /keys') {
    const body = await readBody(request);
    const scopes = strings(body.scopes);
    const { owner, name, expires } = body;
    if (typeof owner !== 'string' || typeof name !== 'string' || typeof expires !== 'string' || !scopes) {
      throw new AdminError('owner, name, expires (strings) and scopes (strings) are required');
    }
    return [201, await createKey(db, { owner, name, scopes, expires } satisfies KeyRequest)];
  }
  if (call === 'GET /events/dead') return [200, await deadDeliveries(db, Number(url.searchParams.get('limit') ?? '100'))];
  if (call === 'POST /events/retry') {
    const body = await readBody(request);
    const ids = body.all === true ? 'all' : strings(body.ids);
    if (!ids) throw new AdminError('ids (strings) or all: true is required');
    return [200, await retryDeliveries(db, ids)];
  }
  if (call === 'GET /audit') return [200, await auditEvents(db, Object.fromEntries(url.searchParams))];
  if (call === 'GET /verify-chain') return [200, await verifyHashChain(db, chain)];
  return [404, { error: `no such admin call: ${call}` }];
}

/** Binds with a umask that leaves the socket to its owner from its first instant (chmod follows). */
async function listenOwnerOnly(server: Server, path: string): Promise<void> {
  const listening = new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.once('listening', done);
  });
  const umask = process.umask(0o177);
  try {
    server.listen(path);
  } finally {
    process.umask(umask);
  }
  await listening;
  chmodSync(path, 0o600);
}

export interface AdminSocket {
  close(): Promise<void>;
}

/** Serves the admin calls on `<data_dir>/admin.sock`; undefined when the path is too long for a socket. */
export async function startAdminSocket(
  data_dir: string,
  db: Database,
  logger: Logger,
  chain: ChainSettings,
): Promise<AdminSocket | undefined> {
  const path = adminSocketPath(data_dir);
  if (Buffer.byteLength(path) > SOCKET_PATH_BYTES_MAX) {
    logger.warn({ path }, 'admin socket not started: the data folder path is too long for a Unix socket');
    return undefined;
  }
  // This process holds the data folder's lock, so a socket file left there is a dead process's.
  if (existsSync(path)) unlinkSync(path);
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    route(db, request, chain).then(
      ([status, body]) => response.writeHead(status, { 'content-type': 'application/json' }).end(stringifyJson(body)),
      (error: unknown) => {
        const known = error instanceof AdminError;
        if (!known) logger.error({ err: error }, 'admin call failed');
        const status = known ? 400 : 500;
        response
          .writeHead(status, { 'content-type': 'application/json' })
          .end(stringifyJson({ error: known ? error.message : 'internal error' }));
      },
    );
  });
  try {
    await listenOwnerOnly(server, path);
  } catch (error) {
    logger.warn({ err: error, path }, 'admin socket not started: the CLI cannot reach this server');
    return undefined;
  }
  return {
    close: () =>
      new Promise<void>((done) =>
        server.close(() => {
          if (existsSync(path)) unlinkSync(path);
          done();
        }),
      ),
  };
}

/** The running server's answer to one admin call; undefined when no server listens on the socket. */
export async function callAdminSocket(data_dir: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  const socketPath = adminSocketPath(data_dir);
  if (!existsSync(socketPath)) return undefined;
  return new Promise((resolveCall, reject) => {
    const call = httpRequest(
      { socketPath, method, path, timeout: CALL_TIMEOUT_MS, headers: { 'content-type': 'application/json' } },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => {
          const answer = text === '' ? {} : (parseJson(text) as Record<string, unknown>);
          if ((response.statusCode ?? 500) >= 400)
            reject(new AdminError(String((answer as { error?: unknown }).error ?? 'admin call failed')));
          else resolveCall(answer);
        });
      },
    );
    call.on('timeout', () => call.destroy(new Error('the running server did not answer the admin call')));
    call.on('error', (error: NodeJS.ErrnoException) => {
      // A socket file without a listener: a server that died; the caller opens the database itself.
      if (error.code === 'ECONNREFUSED' || error.code === 'ENOENT') resolveCall(undefined);
      else reject(error);
    });
    call.end(body === undefined ? undefined : stringifyJson(body));
  });
}
