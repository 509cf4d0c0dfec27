// One route's description, declared next to the route and turned into the Fastify `schema` that
// @fastify/swagger reads. Every route also lists the errors any request may meet (auth, limits,
// outages); a route adds its own codes, and each code is documented under its catalogued status.
import { ERROR_STATUS, type ErrorCode } from '../../errors.js';
import { ref, type JsonSchema } from './components.js';

export interface RouteDoc {
  tags: string[];
  summary: string;
  description?: string;
  /** Path parameters: name -> description. */
  params?: Record<string, string>;
  /** Query-string parameters: name -> schema. */
  query?: Record<string, JsonSchema>;
  body?: JsonSchema;
  /** The success answers: status -> schema (null: no body). */
  answers: Record<number, JsonSchema | null>;
  /** The codes this route itself may answer, beyond those every request may meet. */
  errors?: ErrorCode[];
  /** Served without X-Blnk-Key (as `/health`). */
  public?: boolean;
}

/** What any request may meet: unknown routes, bad text, limits and transport, the rate limit, an outage, a bug. */
const EVERY_REQUEST: ErrorCode[] = [
  'GEN_NOT_FOUND',
  // text a path or query value may not carry (NUL, broken %-encoding)
  'GEN_MALFORMED_REQUEST',
  'GEN_BAD_REQUEST',
  'GEN_RATE_LIMITED',
  'GEN_URI_TOO_LONG',
  'GEN_HEADERS_TOO_LARGE',
  'GEN_REQUEST_TIMEOUT',
  'GEN_SERVICE_UNAVAILABLE',
  'GEN_INTERNAL',
];
/** What a request in secure mode may meet before it reaches the route. */
const SECURED: ErrorCode[] = [
  'AUTH_MISSING_API_KEY',
  'AUTH_INVALID_API_KEY',
  'AUTH_EXPIRED_API_KEY',
  'AUTH_INSUFFICIENT_PERMISSIONS',
  'AUTH_UNKNOWN_RESOURCE',
];
/** What a route that records transactions may answer (single, split, bulk item). */
export const POSTING_ERRORS: ErrorCode[] = [
  'TXN_VALIDATION_ERROR',
  'TXN_INVALID_AMOUNT',
  'TXN_PRECISION_NOT_INTEGER',
  'TXN_INVALID_DISTRIBUTION',
  'TXN_INSUFFICIENT_FUNDS',
  'TXN_DUPLICATE_REFERENCE',
  'GEN_RESOURCE_LOCKED',
  'GEN_VALIDATION_ERROR',
  'GEN_BAD_REQUEST',
  'BAL_NOT_FOUND',
];

/** What a list with query-string filters or a filter body may answer. */
export const FILTER_ERRORS: ErrorCode[] = ['GEN_BAD_REQUEST', 'GEN_VALIDATION_ERROR'];

/** What a request with a body may meet while it is read. */
const WITH_BODY: ErrorCode[] = ['GEN_MALFORMED_REQUEST', 'GEN_PAYLOAD_TOO_LARGE'];

export function errorCodesOf(doc: RouteDoc): ErrorCode[] {
  const has_body = doc.body !== undefined;
  const codes = [...EVERY_REQUEST, ...(doc.public ? [] : SECURED), ...(has_body ? WITH_BODY : []), ...(doc.errors ?? [])];
  return [...new Set(codes)];
}

function errorAnswers(codes: readonly ErrorCode[]): Record<number, JsonSchema> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
  return Object.fromEntries(
    [...byStatus].map(([status, group]) => [
      status,
      {
        description: `Error: ${group.join(', ')}`,
        allOf: [
          ref('Error'),
          {
            type: 'object',
            properties: { error_detail: { type: 'object', properties: { code: { type: 'string', enum: group } } } },
          },
        ],
      },
    ]),
  );
}

const objectOf = (properties: Record<string, JsonSchema>, required: string[]): JsonSchema => ({
  type: 'object',
  properties,
  required,
});

/** The Fastify route schema of `doc` (described only: the app's validator accepts everything). */
export function routeSchema(doc: RouteDoc): JsonSchema {
  const answers = Object.fromEntries(
    Object.entries(doc.answers).map(([status, schema]) => [
      status,
      schema === null ? { description: 'No content', type: 'null' } : { description: 'Success', ...schema },
    ]),
  );
  const schema: JsonSchema = {
    tags: doc.tags,
    summary: doc.summary,
    // a route's own answer for a status (the 503 of /health) wins over the error envelope
    response: { ...errorAnswers(errorCodesOf(doc)), ...answers },
  };
  if (doc.description) schema.description = doc.description;
  if (doc.params) {
    const names = Object.keys(doc.params);
    schema.params = objectOf(
      Object.fromEntries(names.map((name) => [name, { type: 'string', description: doc.params![name] }])),
      names,
    );
  }
  if (doc.query) schema.querystring = objectOf(doc.query, []);
  if (doc.body) schema.body = doc.body;
  if (doc.public) schema.security = [];
  return schema;
}

/** Route options carrying the description of `doc`. */
export function described(doc: RouteDoc): { schema: JsonSchema } {
  return { schema: routeSchema(doc) };
}
