// The filter language of the list and filter endpoints (blnk-contract.md platform §8): the JSON body of
// `POST /<table>/filter` and the `<field>_<op>=<value>` query string of `GET /<table>`, both parsed
// into one checked form. Only names from the whitelists below get through; values stay values
// (src/db/filters.ts sends every one of them as a bind parameter).
import { ApiError } from '../errors.js';

export type FieldType = 'text' | 'numeric' | 'timestamp';

/** Filterable (and sortable) columns per table. `meta_data.<key>` is allowed on every table. */
export const FILTER_FIELDS = {
  ledgers: { ledger_id: 'text', name: 'text', created_at: 'timestamp' },
  balances: {
    balance_id: 'text',
    ledger_id: 'text',
    identity_id: 'text',
    indicator: 'text',
    currency: 'text',
    balance: 'numeric',
    credit_balance: 'numeric',
    debit_balance: 'numeric',
    inflight_balance: 'numeric',
    inflight_credit_balance: 'numeric',
    inflight_debit_balance: 'numeric',
    created_at: 'timestamp',
  },
  transactions: {
    transaction_id: 'text',
    parent_transaction: 'text',
    amount: 'numeric',
    currency: 'text',
    source: 'text',
    destination: 'text',
    // source OR destination is that balance
    balance_id: 'text',
    reference: 'text',
    status: 'text',
    created_at: 'timestamp',
    effective_date: 'timestamp',
    // source or destination balance carries that indicator
    indicator: 'text',
    description: 'text',
    precision: 'numeric',
  },
  identities: {
    identity_id: 'text',
    first_name: 'text',
    last_name: 'text',
    other_names: 'text',
    gender: 'text',
    dob: 'timestamp',
    email_address: 'text',
    phone_number: 'text',
    nationality: 'text',
    street: 'text',
    country: 'text',
    state: 'text',
    organization_name: 'text',
    category: 'text',
    identity_type: 'text',
    post_code: 'text',
    city: 'text',
    created_at: 'timestamp',
  },
  accounts: {
    account_id: 'text',
    name: 'text',
    number: 'text',
    bank_name: 'text',
    currency: 'text',
    ledger_id: 'text',
    identity_id: 'text',
    balance_id: 'text',
    created_at: 'timestamp',
  },
} as const satisfies Record<string, Record<string, FieldType>>;

export type FilterTable = keyof typeof FILTER_FIELDS;

/** The table as Blnk names it in `invalid field 'x' for table 'y'` (its identities table is `identity`). */
const TABLE_LABELS: Record<FilterTable, string> = {
  ledgers: 'ledgers',
  balances: 'balances',
  transactions: 'transactions',
  identities: 'identity',
  accounts: 'accounts',
};
export type FilterField<T extends FilterTable> = keyof (typeof FILTER_FIELDS)[T] & string;

export const OPERATORS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'between', 'like', 'ilike', 'isnull', 'isnotnull'] as const;
export type Operator = (typeof OPERATORS)[number];

/** Fields that only allow some operators. */
const RESTRICTED_OPERATORS: Partial<Record<string, readonly Operator[]>> = {
  'transactions.balance_id': ['eq', 'ne', 'in', 'isnull', 'isnotnull'],
};

const QUERY_ALIASES: Record<string, Operator> = { neq: 'ne', gteq: 'gte', lteq: 'lte' };
const META_KEY = /^[a-zA-Z][a-zA-Z0-9_]*$/;
const NUMERIC = /^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

export const FILTER_LIMITS = {
  /** Filters per request (Blnk's limit for query strings; the body gets the same bound). */
  filters_max: 20,
  /** Values of one `in` filter. */
  in_values_max: 100,
  /** Characters per query-string value. */
  value_chars_max: 1000,
  body_limit_default: 20,
  body_limit_max: 100,
} as const;

/** A checked condition. Column values are text for a `$n::<type>` cast; meta values keep JSON types for `eq`. */
export type Condition =
  | {
      kind: 'column';
      field: string;
      type: FieldType;
      operator: Operator;
      values: string[];
      /** `eq` on a query-string timestamp matches the span of its precision: [value, value + interval). */
      interval?: string;
    }
  | { kind: 'meta'; key: string; operator: Operator; values: unknown[] };

export interface FilterRequest {
  conditions: Condition[];
  logical_operator: 'and' | 'or';
  limit: number;
  offset: number;
  sort_by: string;
  sort_order: 'asc' | 'desc';
  include_count: boolean;
}

class FilterProblem extends Error {}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function fieldType(table: FilterTable, field: string): FieldType | undefined {
  const fields: Record<string, FieldType> = FILTER_FIELDS[table];
  return Object.hasOwn(fields, field) ? fields[field] : undefined;
}

function allowedOperators(table: FilterTable, field: string): readonly Operator[] {
  return RESTRICTED_OPERATORS[`${table}.${field}`] ?? OPERATORS;
}

function needsValues(operator: Operator): 'none' | 'one' | 'list' | 'pair' {
  if (operator === 'isnull' || operator === 'isnotnull') return 'none';
  if (operator === 'in') return 'list';
  if (operator === 'between') return 'pair';
  return 'one';
}

function scalarText(value: unknown, field: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'boolean') return String(value);
  throw new FilterProblem(`invalid value for field '${field}'`);
}

/** Numbers PostgreSQL's NUMERIC takes without overflow: this long at most, exponents this far. */
const NUMERIC_CHARS_MAX = 100;
const NUMERIC_EXPONENT_MAX = 300;

function numericText(value: unknown, field: string): string {
  const text = scalarText(value, field).trim();
  if (text.length > NUMERIC_CHARS_MAX || !NUMERIC.test(text)) {
    throw new FilterProblem(`invalid numeric value '${text.slice(0, NUMERIC_CHARS_MAX)}' for field '${field}'`);
  }
  const exponent = /[eE]([-+]?\d+)$/.exec(text);
  if (exponent && Math.abs(Number(exponent[1])) > NUMERIC_EXPONENT_MAX) {
    throw new FilterProblem(`numeric value '${text}' for field '${field}' is out of range`);
  }
  return text;
}

/** A LIKE pattern may not end in an unpaired backslash (PostgreSQL's escape character). */
function likePattern(text: string, field: string): string {
  if (/(^|[^\\])(\\\\)*\\$/.test(text)) {
    throw new FilterProblem(`pattern for field '${field}' must not end with an escape character (\\)`);
  }
  return text;
}

// ---- timestamps ----------------------------------------------------------------------------

const DATE_TIME = /^(\d{4})[-/](\d{2})[-/](\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/** A date or date-time as RFC 3339 text, with the span its precision covers. */
export function parseTimestamp(text: string): { iso: string; interval: string } | undefined {
  const match = DATE_TIME.exec(text.trim());
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, fraction, zone] = match;
  if (hour === undefined && zone !== undefined) return undefined;
  const iso =
    `${year}-${month}-${day}T${hour ?? '00'}:${minute ?? '00'}:${second ?? '00'}` +
    (fraction ? `.${fraction}` : '') +
    (zone === undefined || zone.toUpperCase() === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone);
  const daysInMonth = new Date(Date.UTC(Number(year), Number(month), 0)).getUTCDate();
  const inRange =
    Number(year) >= 1 &&
    Number(month) >= 1 &&
    Number(month) <= 12 &&
    Number(day) >= 1 &&
    Number(day) <= daysInMonth &&
    Number(hour ?? 0) <= 23 &&
    Number(minute ?? 0) <= 59 &&
    Number(second ?? 0) <= 59 &&
    (zone === undefined || zone.length === 1 || Number(zone.slice(1, 3)) <= 15);
  if (!inRange) return undefined;
  const interval =
    hour === undefined
      ? '24 hours'
      : second === undefined
        ? '1 minute'
        : fraction === undefined
          ? '1 second'
          : `${(10 ** -Math.min(fraction.length, 6)).toFixed(Math.min(fraction.length, 6))} second`;
  return { iso, interval };
}

function timestampText(value: unknown, field: string): string {
  const text = scalarText(value, field);
  const parsed = parseTimestamp(text);
  if (!parsed) throw new FilterProblem(`invalid timestamp '${text}' for field '${field}'`);
  return parsed.iso;
}

function columnValue(type: FieldType, value: unknown, field: string): string {
  if (type === 'numeric') return numericText(value, field);
  if (type === 'timestamp') return timestampText(value, field);
  return scalarText(value, field);
}

// ---- one condition -------------------------------------------------------------------------

function checkedField(table: FilterTable, field: string): { kind: 'column'; type: FieldType } | { kind: 'meta'; key: string } {
  if (field.startsWith('meta_data.')) {
    const key = field.slice('meta_data.'.length);
    if (META_KEY.test(key)) return { kind: 'meta', key };
    throw new FilterProblem(`invalid JSON key '${key}' in field '${field}': must match pattern ${META_KEY.source}`);
  } else {
    const type = fieldType(table, field);
    if (type) return { kind: 'column', type };
  }
  throw new FilterProblem(`invalid field '${field}' for table '${TABLE_LABELS[table]}'`);
}

function checkedOperator(table: FilterTable, field: string, operator: string): Operator {
  const allowed = field.startsWith('meta_data.') ? OPERATORS : allowedOperators(table, field);
  if ((allowed as readonly string[]).includes(operator)) return operator as Operator;
  throw new FilterProblem(`invalid operator '${operator}' for field '${field}': must be one of ${allowed.join(', ')}`);
}

function checkedArity(field: string, operator: Operator, values: unknown[]): void {
  const need = needsValues(operator);
  if (need === 'one' && values.length !== 1)
    throw new FilterProblem(`operator '${operator}' for field '${field}' requires a value`);
  if (need === 'list' && values.length === 0) {
    throw new FilterProblem(`operator 'in' for field '${field}' requires at least one value`);
  }
  if (need === 'list' && values.length > FILTER_LIMITS.in_values_max) {
    throw new FilterProblem(`operator 'in' for field '${field}' accepts at most ${FILTER_LIMITS.in_values_max} values`);
  }
  if (need === 'pair' && values.length !== 2) {
    throw new FilterProblem(`operator 'between' for field '${field}' requires exactly 2 values`);
  }
}

/** Meta values: JSON as given for `eq` (type-sensitive containment), numbers for ranges, text otherwise. */
function metaValues(field: string, operator: Operator, values: unknown[]): unknown[] {
  if (operator === 'eq') {
    if (values[0] === null || values[0] === undefined) throw new FilterProblem(`invalid value for field '${field}'`);
    return values;
  }
  if (['gt', 'gte', 'lt', 'lte', 'between'].includes(operator)) return values.map((v) => numericText(v, field));
  if (operator === 'like' || operator === 'ilike') return values.map((v) => likePattern(scalarText(v, field), field));
  return values.map((v) => scalarText(v, field));
}

function condition(
  table: FilterTable,
  field: string,
  operatorText: string,
  values: unknown[],
  options: { timestampSpans: boolean },
): Condition {
  const target = checkedField(table, field);
  const operator = checkedOperator(table, field, operatorText);
  checkedArity(field, operator, values);
  if (target.kind === 'meta') return { kind: 'meta', key: target.key, operator, values: metaValues(field, operator, values) };
  const result: Condition = {
    kind: 'column',
    field,
    type: target.type,
    operator,
    values: values.map((value) =>
      operator === 'like' || operator === 'ilike'
        ? likePattern(scalarText(value, field), field)
        : columnValue(target.type, value, field),
    ),
  };
  if (options.timestampSpans && target.type === 'timestamp' && operator === 'eq') {
    result.interval = parseTimestamp(scalarText(values[0], field))!.interval;
  }
  return result;
}

// ---- the JSON body -------------------------------------------------------------------------

const BODY_KEYS = ['filters', 'logical_operator', 'limit', 'offset', 'sort_by', 'sort_order', 'include_count'];
const FILTER_KEYS = ['field', 'operator', 'value', 'values'];

const badFilter = (reason: string) => new ApiError('GEN_BAD_REQUEST', `Invalid filter: ${reason}`);

function unknownKey(object: Record<string, unknown>, known: string[]): string | undefined {
  return Object.keys(object).find((key) => !known.includes(key));
}

function integerOr(value: unknown, fallback: number, key: string): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'bigint') return fallback;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'number' && Number.isInteger(value)) throw badFilter(`${key} is too large`);
  throw badFilter(`${key} must be an integer`);
}

export function logicalOperator(value: unknown): 'and' | 'or' {
  const text = typeof value === 'string' ? value.trim().toLowerCase() : value === undefined || value === null ? '' : undefined;
  if (text === '' || text === 'and') return 'and';
  if (text === 'or') return 'or';
  throw new ApiError('GEN_VALIDATION_ERROR', "invalid logical_operator: must be 'and' or 'or'");
}

/** `POST /<table>/filter`: 400 GEN_BAD_REQUEST `Invalid filter: <reason>` on anything not understood. */
export function parseFilterBody(table: FilterTable, body: unknown): FilterRequest {
  if (!isPlainObject(body)) throw badFilter('the body must be a JSON object');
  const extra = unknownKey(body, BODY_KEYS);
  if (extra !== undefined) throw badFilter(`json: unknown field "${extra}"`);
  const logical_operator = logicalOperator(body.logical_operator);
  const filters = body.filters ?? [];
  if (!Array.isArray(filters)) throw badFilter('filters must be an array');
  if (filters.length > FILTER_LIMITS.filters_max) throw badFilter(`too many filters; max is ${FILTER_LIMITS.filters_max}`);

  const conditions = filters.map((filter) => {
    if (!isPlainObject(filter)) throw badFilter('every filter must be a JSON object');
    const extraKey = unknownKey(filter, FILTER_KEYS);
    if (extraKey !== undefined) throw badFilter(`json: unknown field "${extraKey}"`);
    const { field, operator } = filter;
    if (typeof field !== 'string' || typeof operator !== 'string') throw badFilter('every filter needs a field and an operator');
    const many = needsValues(operator as Operator);
    let values: unknown[];
    if (many === 'list' || many === 'pair') {
      if (filter.values !== undefined && !Array.isArray(filter.values))
        throw badFilter(`values of field '${field}' must be an array`);
      values = (filter.values as unknown[] | undefined) ?? [];
    } else {
      values = filter.value === undefined ? [] : [filter.value];
    }
    try {
      return condition(table, field, operator, values, { timestampSpans: false });
    } catch (error) {
      if (error instanceof FilterProblem) throw badFilter(error.message);
      throw error;
    }
  });

  let limit = integerOr(body.limit, FILTER_LIMITS.body_limit_default, 'limit');
  if (limit <= 0 || limit > FILTER_LIMITS.body_limit_max) limit = FILTER_LIMITS.body_limit_default;
  const offset = Math.max(0, integerOr(body.offset, 0, 'offset'));
  const sortBy = typeof body.sort_by === 'string' ? body.sort_by.trim().toLowerCase() : '';
  const sortOrder = typeof body.sort_order === 'string' ? body.sort_order.trim().toLowerCase() : '';
  if (body.include_count !== undefined && body.include_count !== null && typeof body.include_count !== 'boolean') {
    throw badFilter('include_count must be a boolean');
  }
  return {
    conditions,
    logical_operator,
    limit,
    offset,
    sort_by: fieldType(table, sortBy) ? sortBy : 'created_at',
    sort_order: sortOrder === 'asc' ? 'asc' : 'desc',
    include_count: body.include_count === true,
  };
}

// ---- the query string ----------------------------------------------------------------------

const RESERVED_PARAMS = new Set([
  'page',
  'pagesize',
  'per_page',
  'limit',
  'offset',
  'sort',
  'order',
  'order_by',
  'order_dir',
  'logical_operator',
  'instance_id',
  'org_id',
]);

export interface ParamError {
  Param: string;
  Message: string;
}

/** A query-string value typed as Blnk types it: integer, float, boolean, else the text. */
function typedQueryValue(text: string): unknown {
  if (/^-?\d+$/.test(text)) {
    const number = Number(text);
    return Number.isSafeInteger(number) ? number : BigInt(text);
  }
  if (NUMERIC.test(text) && Number.isFinite(Number(text))) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  return text;
}

/**
 * The filters of `GET /<table>?<field>_<op>=<value>&logical_operator=...`. Parameters without an
 * operator suffix are not filters and are left alone. Problems are collected and answered together
 * as 400 GEN_VALIDATION_ERROR `invalid filter parameters` with `errors: [{Param, Message}]`.
 */
export function parseFilterQuery(
  table: FilterTable,
  query: Record<string, unknown>,
): { conditions: Condition[]; logical_operator: 'and' | 'or' } {
  const problems: ParamError[] = [];
  const conditions: Condition[] = [];
  let logical_operator: 'and' | 'or' = 'and';
  const first = (value: unknown) => String(Array.isArray(value) ? value[0] : value);
  if (query.logical_operator !== undefined) {
    try {
      logical_operator = logicalOperator(first(query.logical_operator));
    } catch {
      problems.push({ Param: 'logical_operator', Message: "logical_operator must be 'and' or 'or'" });
    }
  }
  for (const [param, raw] of Object.entries(query)) {
    const cut = param.lastIndexOf('_');
    if (RESERVED_PARAMS.has(param.toLowerCase()) || cut <= 0) continue;
    const suffix = param.slice(cut + 1).toLowerCase();
    const operator = QUERY_ALIASES[suffix] ?? suffix;
    if (!(OPERATORS as readonly string[]).includes(operator)) continue;
    const field = param.slice(0, cut);
    const text = first(raw);
    if (text.length > FILTER_LIMITS.value_chars_max) {
      problems.push({ Param: param, Message: `value exceeds ${FILTER_LIMITS.value_chars_max} characters` });
      continue;
    }
    const values = ((): string[] => {
      const need = needsValues(operator as Operator);
      if (need === 'none') return [];
      if (need === 'list') return text.split(',').map((v) => v.trim());
      if (need === 'pair') return text.split('|').map((v) => v.trim());
      return [text];
    })();
    const typed = field.startsWith('meta_data.') ? values.map(typedQueryValue) : values;
    try {
      conditions.push(condition(table, field, operator, typed, { timestampSpans: true }));
    } catch (error) {
      if (!(error instanceof FilterProblem)) throw error;
      problems.push({ Param: param, Message: error.message });
    }
  }
  if (conditions.length > FILTER_LIMITS.filters_max) {
    problems.push({ Param: '', Message: `too many filters; max is ${FILTER_LIMITS.filters_max}` });
  }
  if (problems.length > 0) {
    throw new ApiError('GEN_VALIDATION_ERROR', 'invalid filter parameters', {
      legacyKey: 'errors',
      legacyValue: problems,
      details: problems,
    });
  }
  return { conditions, logical_operator };
}
