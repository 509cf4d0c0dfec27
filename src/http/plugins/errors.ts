// Every error leaves in Blnk's envelope with the catalogue's status. Unknown failures are logged
// and answered with a fixed message: no stack trace or internal text reaches a client.
import type { FastifyError, FastifyInstance } from 'fastify';
import { ApiError, INTERNAL_ERROR_MESSAGE } from '../../errors.js';

function toApiError(error: FastifyError | ApiError): ApiError | undefined {
  if (error instanceof ApiError) return error;
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('GEN_PAYLOAD_TOO_LARGE', 'request body too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError('GEN_MALFORMED_REQUEST', 'Invalid request body');
    default:
      return undefined;
  }
}

export function registerErrorEnvelope(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | ApiError, request, reply) => {
    const apiError = toApiError(error);
    if (apiError) {
      return reply.status(apiError.status).send(apiError.body());
    }
    const { statusCode } = error as FastifyError;
    if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
      const client = new ApiError('GEN_BAD_REQUEST', 'Invalid request');
      return reply.status(client.status).send(client.body());
    }
    request.log.error({ err: error }, 'unhandled error');
    const internal = new ApiError('GEN_INTERNAL', INTERNAL_ERROR_MESSAGE);
    return reply.status(internal.status).send(internal.body());
  });
  app.setNotFoundHandler((_request, reply) => {
    const notFound = new ApiError('GEN_NOT_FOUND', '404 page not found');
    return reply.status(notFound.status).send(notFound.body());
  });
}
