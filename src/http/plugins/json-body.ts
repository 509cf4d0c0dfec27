// Request bodies are JSON parsed without float loss (src/json.ts), whatever the content type says
// (Blnk binds JSON regardless). An empty body is `undefined`; a malformed one is 400.
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../errors.js';
import { parseJson, stringifyJson } from '../../json.js';

export const MALFORMED_JSON_MESSAGE = 'Invalid JSON body';

export function registerJsonBody(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, parseJson(text));
    } catch {
      done(new ApiError('GEN_MALFORMED_REQUEST', MALFORMED_JSON_MESSAGE), undefined);
    }
  });
  app.setReplySerializer((payload) => stringifyJson(payload));
}
