// Every error leaves in Blnk's envelope with the catalogue's status, including the answers Fastify
// and Node would otherwise write themselves (bad %-encoding, over-long path parameters, oversized
// headers). Unknown failures are logged and answered with a fixed message: no stack trace or
// internal text reaches a client.
import type { Socket } from 'node:net';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isDatabaseUnavailable } from '../../db/database.js';
import { ApiError, DATABASE_UNAVAILABLE_MESSAGE, INTERNAL_ERROR_MESSAGE, RETRY_AFTER_S } from '../../errors.js';
import { stringifyJson } from '../../json.js';

/** An oversized body is read to its end (this far at most) before the 413, so the client sees the answer. */
const OVERSIZED_DRAIN_BYTES_MAX = 64 * 1024 * 1024;
const OVERSIZED_DRAIN_TIMEOUT_MS = 10_000;

function toApiError(error: FastifyError | ApiError): ApiError | undefined {
  if (error instanceof ApiError) return error;
  // An outage is nobody's fault in the request: 503, never a 500 or an authentication failure.
  if (isDatabaseUnavailable(error)) return new ApiError('GEN_SERVICE_UNAVAILABLE', DATABASE_UNAVAILABLE_MESSAGE);
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('GEN_PAYLOAD_TOO_LARGE', 'request body too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError('GEN_MALFORMED_REQUEST', 'Invalid request body');
    case 'FST_ERR_BAD_URL':
      return new ApiError('GEN_BAD_REQUEST', 'the URL is not validly %-encoded');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new ApiError('GEN_URI_TOO_LONG', 'a path parameter is longer than 1000 characters');
    default:
      return undefined;
  }
}

/** Reads and discards the rest of a request body, bounded in bytes and time. */
function drain(raw: IncomingMessage): Promise<void> {
  if (raw.readableEnded || raw.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    let bytes = 0;
    const done = () => {
      clearTimeout(timer);
      raw.off('data', onData);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > OVERSIZED_DRAIN_BYTES_MAX) done();
    };
    const timer = setTimeout(done, OVERSIZED_DRAIN_TIMEOUT_MS);
    raw.on('data', onData);
    raw.once('end', done);
    raw.once('error', done);
    raw.once('close', done);
    raw.resume();
  });
}

async function send(apiError: ApiError, error: unknown, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  // A default only: the rate limiter and the failure block know better when to come back.
  if ((apiError.status === 503 || apiError.status === 429) && !reply.hasHeader('retry-after')) {
    reply.header('retry-after', String(RETRY_AFTER_S));
  }
  if (apiError.status === 413) await drain(request.raw);
  return reply.status(apiError.status).send(apiError.body());
}

/** Node's own answers to a request it could not parse (headers too large, timeouts), in the envelope. */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const apiError =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? new ApiError('GEN_HEADERS_TOO_LARGE', 'request headers are too large')
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new ApiError('GEN_REQUEST_TIMEOUT', 'the request took too long to arrive')
        : new ApiError('GEN_BAD_REQUEST', 'the request is not valid HTTP');
  const body = stringifyJson(apiError.body());
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${apiError.status} ${STATUS_CODES[apiError.status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/** Fastify's frameworkErrors option: routing failures before any hook runs. */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const apiError = toApiError(error) ?? new ApiError('GEN_BAD_REQUEST', 'Invalid request');
  void send(apiError, error, request, reply);
}

export function registerErrorEnvelope(app: FastifyInstance): void {
  app.setErrorHandler(async (error: FastifyError | ApiError, request, reply) => {
    const apiError = toApiError(error);
    if (apiError) return send(apiError, error, request, reply);
    const { statusCode } = error as FastifyError;
    if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
      return send(new ApiError('GEN_BAD_REQUEST', 'Invalid request'), error, request, reply);
    }
    // A data exception (SQLSTATE class 22) comes from a value the request carried that no check caught:
    // still the client's input, so 400; logged, since a check should have named the field.
    if (/^22/.test(String((error as { code?: unknown }).code ?? ''))) {
      request.log.warn({ err: error }, 'data exception from request input');
      return send(new ApiError('GEN_BAD_REQUEST', 'a value in the request is out of range or malformed'), error, request, reply);
    }
    request.log.error({ err: error }, 'unhandled error');
    return send(new ApiError('GEN_INTERNAL', INTERNAL_ERROR_MESSAGE), error, request, reply);
  });
  app.setNotFoundHandler((_request, reply) => {
    const notFound = new ApiError('GEN_NOT_FOUND', '404 page not found');
    return reply.status(notFound.status).send(notFound.body());
  });
}
