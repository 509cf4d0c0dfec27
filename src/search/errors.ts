// A search the client asked for wrongly: 400 SRCH_QUERY_INVALID, worded as Typesense words it (Blnk
// passes Typesense's text through).
import { ApiError } from '../errors.js';

export class SearchQueryError extends ApiError {
  constructor(message: string) {
    super('SRCH_QUERY_INVALID', message);
  }
}

/** An unknown collection: Blnk maps Typesense's "not found" to 404 GEN_NOT_FOUND. */
export function collectionNotFound(name: string): ApiError {
  return new ApiError('GEN_NOT_FOUND', `\`${name.slice(0, 100)}\` collection not found.`);
}
