// Typesense search parameters (the body of POST /search/:collection and each item of /multi-search)
// checked into a plan: which words, in which fields with which weights, the filter tree, up to three
// sort keys, the page, the facets and the document fields to show. Every name is looked up in the
// collection's schema; a problem is 400 SRCH_QUERY_INVALID in Typesense's words, a wrongly typed
// value 400 GEN_MALFORMED_REQUEST as Blnk's JSON binding says it.
import { ApiError } from '../errors.js';
import type { FieldKind, SearchCollection } from './collections.js';
import { SearchQueryError } from './errors.js';
import { filterFields, parseFilterBy, type FilterNode } from './filter-by.js';

export const SEARCH_LIMITS = {
  per_page_default: 10,
  per_page_max: 250,
  /** Hits a search may page through (page × per_page). */
  hits_reachable_max: 100_000,
  q_chars_max: 1000,
  q_tokens_max: 32,
  max_facet_values_default: 10,
  max_facet_values_max: 1000,
  /** Fields in one facet_by (each is a grouping set of one statement; GROUPING() takes at most 31). */
  facet_fields_max: 16,
  sort_fields_max: 3,
} as const;

/** A field the plan reads: a column of the schema, or a path inside meta_data. */
export type FieldRef = { name: string; kind: FieldKind; sql: string } | { name: string; kind: 'meta'; path: string[] };

export interface QueryField {
  ref: FieldRef;
  weight: number;
  prefix: boolean;
}

export interface SortKey {
  /** `_text_match`, or a sortable field. */
  ref: FieldRef | '_text_match';
  descending: boolean;
}

export interface SearchPlan {
  collection: SearchCollection;
  q: string;
  /** Empty for a wildcard query (`*`). */
  tokens: string[];
  /** Words may match with typos (num_typos other than 0), where the database has pg_trgm. */
  typos: boolean;
  query_by: QueryField[];
  filter: FilterNode | undefined;
  sort: SortKey[];
  page: number;
  per_page: number;
  facets: FieldRef[];
  max_facet_values: number;
  include_fields: ReadonlySet<string> | undefined;
  exclude_fields: ReadonlySet<string>;
}

const GO_TYPES = { string: 'string', int: 'int', bool: 'bool' } as const;
const STRING_PARAMS = [
  'q',
  'query_by',
  'query_by_weights',
  'prefix',
  'filter_by',
  'sort_by',
  'facet_by',
  'include_fields',
  'exclude_fields',
  'highlight_fields',
  'highlight_start_tag',
  'highlight_end_tag',
  'num_typos',
  'facet_query',
  'group_by',
] as const;
type IntParam = 'page' | 'per_page' | 'max_facet_values' | 'offset' | 'limit';

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'bigint') return 'number';
  if (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { isLosslessNumber?: boolean }).isLosslessNumber === 'boolean'
  ) {
    return 'number';
  }
  return typeof value;
}

/** Go's json.Unmarshal message for a value of the wrong type. */
function unmarshalError(field: string, value: unknown, goType: string): ApiError {
  return new ApiError(
    'GEN_MALFORMED_REQUEST',
    `json: cannot unmarshal ${jsonType(value)} into Go struct field SearchCollectionParams.${field} of type ${goType}`,
  );
}

function stringParam(body: Record<string, unknown>, field: (typeof STRING_PARAMS)[number]): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw unmarshalError(field, value, GO_TYPES.string);
  return value;
}

function intParam(body: Record<string, unknown>, field: IntParam): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  const number = typeof value === 'bigint' ? Number(value) : jsonType(value) === 'number' ? Number(String(value)) : Number.NaN;
  if (!Number.isSafeInteger(number)) throw unmarshalError(field, value, GO_TYPES.int);
  return number;
}

/** Words of a query: split on anything that is not a letter or a digit (Typesense's tokenizer drops them). */
export function queryTokens(q: string): string[] {
  return q
    .split(/[^\p{L}\p{N}]+/u)
    .map((token) => token.toLowerCase())
    .filter((token) => token !== '');
}

function list(text: string | undefined): string[] {
  return text === undefined || text.trim() === ''
    ? []
    : text
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
}

const META_FIELD = /^meta_data\.([A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*)$/;

function fieldRef(collection: SearchCollection, name: string): FieldRef | undefined {
  if (Object.hasOwn(collection.fields, name)) return { name, ...collection.fields[name] };
  const meta = META_FIELD.exec(name);
  if (meta) return { name, kind: 'meta', path: meta[1].split('.') };
  return undefined;
}

function queryBy(collection: SearchCollection, body: Record<string, unknown>, wildcard: boolean): QueryField[] {
  const names = list(stringParam(body, 'query_by'));
  if (names.length === 0) {
    if (wildcard) return [];
    throw new SearchQueryError('No search fields specified for the query.');
  }
  const weights = list(stringParam(body, 'query_by_weights'));
  if (weights.length > 0 && weights.length !== names.length) {
    throw new SearchQueryError('Number of weights in `query_by_weights` does not match number of `query_by` fields.');
  }
  const prefixes = list(stringParam(body, 'prefix'));
  if (prefixes.length > 1 && prefixes.length !== names.length) {
    throw new SearchQueryError('Number of prefix values in `prefix` does not match number of `query_by` fields.');
  }
  return names.map((name, index) => {
    const ref: FieldRef | undefined = name === 'meta_data' ? { name, kind: 'meta', path: [] } : fieldRef(collection, name);
    if (!ref) throw new SearchQueryError(`Could not find a field named \`${name}\` in the schema.`);
    if (ref.kind !== 'string' && ref.kind !== 'meta') {
      throw new SearchQueryError(`Field \`${name}\` should be a string or a string array.`);
    }
    const weightText = weights[index];
    const weight = weightText === undefined ? names.length - index : Number(weightText);
    if (!Number.isInteger(weight) || weight < 0 || weight > 127) {
      throw new SearchQueryError('`query_by_weights` must be integers from 0 to 127.');
    }
    const prefixText = prefixes.length === 0 ? 'true' : (prefixes[index] ?? prefixes[0]);
    if (prefixText !== 'true' && prefixText !== 'false') throw new SearchQueryError('`prefix` must be true or false.');
    return { ref, weight, prefix: prefixText === 'true' };
  });
}

const SORTABLE: ReadonlySet<string> = new Set(['amount', 'number', 'time', 'bool']);

function sortBy(collection: SearchCollection, text: string | undefined): SortKey[] {
  const items = list(text);
  if (items.length > SEARCH_LIMITS.sort_fields_max) throw new SearchQueryError('Only upto 3 sort fields are allowed.');
  return items.map((item) => {
    const match = /^([A-Za-z_][A-Za-z0-9_.]*)\s*:\s*(asc|desc|ASC|DESC)$/.exec(item);
    if (!match) throw new SearchQueryError(`Bad syntax for sorting field \`${item.slice(0, 100)}\``);
    const descending = match[2].toLowerCase() === 'desc';
    if (match[1] === '_text_match') return { ref: '_text_match', descending };
    const ref = fieldRef(collection, match[1]);
    if (!ref || !SORTABLE.has(ref.kind)) {
      throw new SearchQueryError(`Could not find a field named \`${match[1]}\` in the schema for sorting.`);
    }
    return { ref, descending };
  });
}

function page(body: Record<string, unknown>): { page: number; per_page: number } {
  const per_page = intParam(body, 'per_page') ?? intParam(body, 'limit') ?? SEARCH_LIMITS.per_page_default;
  if (per_page < 0 || per_page > SEARCH_LIMITS.per_page_max) {
    throw new SearchQueryError(`Only upto ${SEARCH_LIMITS.per_page_max} hits can be fetched per page.`);
  }
  const offset = intParam(body, 'offset');
  const page = intParam(body, 'page') ?? (offset !== undefined && per_page > 0 ? Math.floor(offset / per_page) + 1 : 1);
  if (page < 1) throw new SearchQueryError('Parameter `page` must be an integer of at least 1.');
  if ((page - 1) * per_page > SEARCH_LIMITS.hits_reachable_max) {
    throw new SearchQueryError(
      `Only the first ${SEARCH_LIMITS.hits_reachable_max} hits can be paged through: page ${page} is past the end.`,
    );
  }
  return { page, per_page };
}

export function parseSearchParams(collection: SearchCollection, body: Record<string, unknown>): SearchPlan {
  const q = stringParam(body, 'q') ?? '';
  if (q.length > SEARCH_LIMITS.q_chars_max) {
    throw new SearchQueryError(`Query is longer than ${SEARCH_LIMITS.q_chars_max} characters.`);
  }
  const wildcard = q.trim() === '*' || q.trim() === '';
  const tokens = wildcard ? [] : queryTokens(q);
  if (tokens.length > SEARCH_LIMITS.q_tokens_max) {
    throw new SearchQueryError(`Query has more than ${SEARCH_LIMITS.q_tokens_max} words.`);
  }
  const query_by = queryBy(collection, body, wildcard);
  const num_typos = list(stringParam(body, 'num_typos'));
  if (!num_typos.every((value) => /^[012]$/.test(value))) throw new SearchQueryError('`num_typos` must be 0, 1 or 2.');
  const filterText = stringParam(body, 'filter_by');
  const filter = filterText === undefined || filterText.trim() === '' ? undefined : parseFilterBy(filterText);
  for (const name of filter ? filterFields(filter) : []) {
    if (!fieldRef(collection, name)) throw new SearchQueryError(`Could not find a filter field named \`${name}\` in the schema.`);
  }
  const facetNames = list(stringParam(body, 'facet_by'));
  if (facetNames.length > SEARCH_LIMITS.facet_fields_max) {
    throw new SearchQueryError(`\`facet_by\` has more than ${SEARCH_LIMITS.facet_fields_max} fields.`);
  }
  const facets = facetNames.map((name) => {
    const ref = fieldRef(collection, name);
    if (!ref) throw new SearchQueryError(`Could not find a facet field named \`${name}\` in the schema.`);
    return ref;
  });
  const max_facet_values = intParam(body, 'max_facet_values') ?? SEARCH_LIMITS.max_facet_values_default;
  if (max_facet_values < 1 || max_facet_values > SEARCH_LIMITS.max_facet_values_max) {
    throw new SearchQueryError(`\`max_facet_values\` must be from 1 to ${SEARCH_LIMITS.max_facet_values_max}.`);
  }
  for (const field of STRING_PARAMS) stringParam(body, field);
  const include = list(stringParam(body, 'include_fields'));
  return {
    collection,
    q,
    tokens,
    typos: !num_typos.every((value) => value === '0') || num_typos.length === 0,
    query_by,
    filter,
    sort: sortBy(collection, stringParam(body, 'sort_by')),
    ...page(body),
    facets,
    max_facet_values,
    include_fields: include.length > 0 ? new Set(include) : undefined,
    exclude_fields: new Set(list(stringParam(body, 'exclude_fields'))),
  };
}

/** For the filter compiler: the reference of a field the plan has already checked. */
export function resolveField(collection: SearchCollection, name: string): FieldRef {
  const ref = fieldRef(collection, name);
  if (!ref) throw new SearchQueryError(`Could not find a filter field named \`${name}\` in the schema.`);
  return ref;
}
