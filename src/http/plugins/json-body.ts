// Request bodies are JSON parsed without float loss (src/json.ts), whatever the content type says
// (Blnk binds JSON regardless). An empty body is `undefined`; a malformed one is 400, and so is one
// past the input limits (src/http/input-limits.ts).
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../errors.js';
import { parseJson, stringifyJson } from '../../json.js';
import { checkJsonValue, checkRequestTexts, scanJsonText } from '../input-limits.js';

export const MALFORMED_JSON_MESSAGE = 'Invalid JSON body';

/**
 * Installs the one body parser on `scope`: empty -> undefined, JSON past the input limits -> their 400,
 * malformed JSON -> `malformed()` (routes with their own legacy error pass theirs).
 */
export function useJsonBodyParser(scope: FastifyInstance, malformed: () => ApiError): void {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', { parseAs: 'string' }, (_request, raw, done) => {
    const text = raw as string;
    if (text.trim() === '') return done(null, undefined);
    let body: unknown;
    try {
      body = scanJsonText(text).big_integers ? parseJson(text) : JSON.parse(text);
    } catch (error) {
      return done(error instanceof ApiError ? error : malformed(), undefined);
    }
    try {
      checkJsonValue(body);
    } catch (error) {
      return done(error as Error, undefined);
    }
    done(null, body);
  });
}

export function registerJsonBody(app: FastifyInstance): void {
  useJsonBodyParser(app, () => new ApiError('GEN_MALFORMED_REQUEST', MALFORMED_JSON_MESSAGE));
  // Path and query values obey the body's text rules (a NUL cannot reach PostgreSQL).
  app.addHook('preValidation', async (request) => {
    checkRequestTexts(request.params, 'path');
    checkRequestTexts(request.query, 'query');
  });
  app.setReplySerializer((payload) => stringifyJson(payload));
}
