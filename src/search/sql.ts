// A search plan as parameterised SQL: the words of `q` as case-insensitive word matches in the
// query_by fields (the last word a prefix), the filter tree, the order and the page. The SQL text is
// made only of the schema's fixed column expressions and `$n` placeholders: every word, value and
// meta_data path travels as a bind parameter.
import type { FilterNode, FilterValue } from './filter-by.js';
import { SearchQueryError } from './errors.js';
import type { Params } from '../db/params.js';
import { resolveField, type FieldRef, type QueryField, type SearchPlan } from './params.js';

const NUMBER = /^-?(\d{1,60}(\.\d{0,40})?|\.\d{1,40})$/;
const UNIX_SECONDS = /^-?\d{1,12}$/;
/** A word boundary that treats `_`, `-`, `.` and the rest as separators, as Typesense's tokenizer does. */
const BEFORE_WORD = '(^|[^[:alnum:]])';
const AFTER_WORD = '($|[^[:alnum:]])';

/** A word as a literal in a regular expression: the same escapes serve PostgreSQL's and JavaScript's. */
export function escapeRegex(text: string): string {
  return text.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
}

/** A POSIX regex matching `word` as a whole word, or as the start of one. */
export function wordPattern(word: string, prefix: boolean): string {
  return `${BEFORE_WORD}${escapeRegex(word)}${prefix ? '' : AFTER_WORD}`;
}

/** The text SQL of a field reference; a meta_data path is a parameter. */
function textSql(ref: FieldRef, params: Params): string {
  if (ref.kind === 'meta') return `(t.meta_data #>> ${params.add(ref.path)}::text[])`;
  return ref.sql;
}

/**
 * Does the field hold the word? For all of meta_data: any of its top-level text values. Words are
 * matched against lower(field), the expression the trigram indexes hold (migration 016); the match is
 * case-insensitive either way.
 */
function matchSql(ref: FieldRef, pattern: string, params: Params): string {
  if (ref.kind === 'meta' && ref.path.length === 0) {
    return `EXISTS (SELECT 1 FROM jsonb_each_text(t.meta_data) m WHERE m.value ~* ${pattern})`;
  }
  return `lower(${textSql(ref, params)}) ~* ${pattern}`;
}

function number(text: string, field: string, kind: string): string {
  const pattern = kind === 'time' ? UNIX_SECONDS : NUMBER;
  if (!pattern.test(text.trim())) {
    throw new SearchQueryError(
      `Error with filter field \`${field}\`: Not a ${kind === 'time' ? 'Unix timestamp' : 'number'}: \`${text.slice(0, 100)}\``,
    );
  }
  return text.trim();
}

const SQL_COMPARISON = { '=': '=', '!=': '=', '>': '>', '>=': '>=', '<': '<', '<=': '<=' } as const;

/** One value of a clause against a numeric, amount or time field. */
function numericValue(ref: FieldRef & { sql: string }, value: FilterValue, params: Params): string {
  const cast = (text: string) =>
    ref.kind === 'time'
      ? `to_timestamp(${params.add(number(text, ref.name, 'time'))}::double precision)`
      : `${params.add(number(text, ref.name, ref.kind))}::numeric`;
  if (value.kind === 'range') return `${ref.sql} BETWEEN ${cast(value.from)} AND ${cast(value.to)}`;
  if (value.kind === 'prefix')
    throw new SearchQueryError(`Error with filter field \`${ref.name}\`: a prefix needs a string field.`);
  const op = value.op === 'contains' ? '=' : SQL_COMPARISON[value.op];
  if (ref.kind === 'time' && op === '=') {
    const at = cast(value.text);
    return `(${ref.sql} >= ${at} AND ${ref.sql} < ${at} + interval '1 second')`;
  }
  return `${ref.sql} ${op} ${cast(value.text)}`;
}

/** One value of a clause against a string field or a meta_data path. */
function textValue(ref: FieldRef, value: FilterValue, params: Params): string {
  const column = textSql(ref, params);
  if (value.kind === 'range') {
    if (ref.kind !== 'meta')
      throw new SearchQueryError(`Error with filter field \`${ref.name}\`: a range needs a numerical field.`);
    return `${metaNumber(column)} BETWEEN ${params.add(number(value.from, ref.name, 'number'))}::numeric AND ${params.add(number(value.to, ref.name, 'number'))}::numeric`;
  }
  if (value.kind === 'prefix') return `${column} ~* ${params.add(wordPattern(value.text.toLowerCase(), true))}`;
  if (value.op === 'contains') return `${column} ~* ${params.add(wordPattern(value.text, false))}`;
  if (value.op === '=' || value.op === '!=') return `${column} = ${params.add(value.text)}`;
  if (ref.kind !== 'meta') {
    throw new SearchQueryError(`Error with filter field \`${ref.name}\`: Not a numerical field, \`${value.op}\` cannot be used.`);
  }
  return `${metaNumber(column)} ${SQL_COMPARISON[value.op]} ${params.add(number(value.text, ref.name, 'number'))}::numeric`;
}

/** A meta_data value as a number when it reads as one; anything else never matches (and never errors). */
function metaNumber(column: string): string {
  return `(CASE WHEN ${column} ~ '^\\s*-?(\\d+(\\.\\d*)?|\\.\\d+)\\s*$' THEN ${column}::numeric END)`;
}

function boolValue(ref: FieldRef & { sql: string }, value: FilterValue, params: Params): string {
  const text = value.kind === 'value' ? value.text.toLowerCase() : '';
  if (
    value.kind !== 'value' ||
    (value.op !== 'contains' && value.op !== '=' && value.op !== '!=') ||
    !/^(true|false)$/.test(text)
  ) {
    throw new SearchQueryError(`Error with filter field \`${ref.name}\`: a bool field takes true or false.`);
  }
  return `${ref.sql} = ${params.add(text === 'true')}::boolean`;
}

function clauseSql(plan: SearchPlan, node: FilterNode & { kind: 'clause' }, params: Params): string {
  const ref = resolveField(plan.collection, node.field);
  const parts = node.values.map((value) => {
    if (ref.kind === 'meta' || ref.kind === 'string') return textValue(ref, value, params);
    if (ref.kind === 'bool') return boolValue(ref, value, params);
    return numericValue(ref, value, params);
  });
  const any = parts.length === 1 ? parts[0] : `(${parts.join(' OR ')})`;
  // A clause on a missing value is NULL, which a WHERE clause of ANDs and ORs treats as false; only a
  // negation needs it made false first. Left bare, a clause can use an index (COALESCE hides it).
  return node.negated ? `NOT COALESCE(${any}, false)` : any;
}

export function filterSql(plan: SearchPlan, node: FilterNode, params: Params): string {
  if (node.kind === 'clause') return clauseSql(plan, node, params);
  return `(${filterSql(plan, node.left, params)} ${node.kind === 'and' ? 'AND' : 'OR'} ${filterSql(plan, node.right, params)})`;
}

/** Typesense's min_len_1typo: shorter words match exactly. */
export const TYPO_WORD_LENGTH_MIN = 4;

/** tsvector's longest word (bytes): a longer one is never among a row's words (migration 017). */
const INDEXED_WORD_BYTES_MAX = 2047;

/** A word of `q` as a tsquery operand restricted to fields' weights: `'acme':*AB` (a prefix) or `'acme':AB`. */
function wordOperand(token: string, prefix: boolean, weights: string): string {
  return `'${token.replace(/'/g, "''").replace(/\\/g, '\\\\')}':${prefix ? '*' : ''}${weights}`;
}

/**
 * Does one of the indexed fields hold the word? One tsquery against the collection's word column, so
 * that its GIN index finds the rows: the fields that take the word as a prefix, or those that take it
 * whole.
 */
function indexedMatchSql(
  words: NonNullable<SearchPlan['collection']['words']>,
  fields: readonly QueryField[],
  token: string,
  last: boolean,
  params: Params,
): string {
  if (Buffer.byteLength(token) > INDEXED_WORD_BYTES_MAX) return 'FALSE';
  const query = [true, false]
    .map((prefix) => {
      const weights = new Set(
        fields.filter((field) => (last && field.prefix) === prefix).map((field) => words.weights[field.ref.name]),
      );
      if (weights.size === 0) return undefined;
      // Every field of the column: no weight to name, and then the index alone decides (no recheck of the row).
      const all = Object.values(words.weights).every((weight) => weights.has(weight));
      return wordOperand(token, prefix, all ? '' : [...weights].join(''));
    })
    .filter((operand) => operand !== undefined)
    .join(' | ');
  return `${words.column} @@ ${params.add(query)}::tsquery`;
}

/** The query_by fields the collection's word column holds (those `q` finds through its index). */
function isIndexed(plan: SearchPlan, field: QueryField): boolean {
  return field.ref.kind === 'string' && plan.collection.words?.weights[field.ref.name] !== undefined;
}

/**
 * The WHERE clause (with the parameter values it needs, the first of `params`) and the text-match
 * score of a plan. With `typos` (the database has pg_trgm), a
 * word of four or more characters also matches a word of a column it is similar to (pg_trgm's word
 * similarity, `<%`, which the trigram indexes serve); an exact match scores twice a typo's.
 */
export function searchConditions(
  plan: SearchPlan,
  params: Params,
  typos = false,
): { where: string; where_values: unknown[]; score: string } {
  const conditions: string[] = [];
  // Made once the WHERE clause is complete, so that a statement of the WHERE clause alone (a count)
  // holds every parameter it is given.
  const scores: (() => string)[] = [];
  const { words } = plan.collection;
  const indexed = plan.query_by.filter((field) => isIndexed(plan, field));
  plan.tokens.forEach((token, index) => {
    const last = index === plan.tokens.length - 1;
    const typo = typos && plan.typos && token.length >= TYPO_WORD_LENGTH_MIN;
    // Added when first used: PostgreSQL refuses a statement with a parameter it cannot type.
    let typoWord: string | undefined;
    const matches: string[] = [];
    if (words && indexed.length > 0) matches.push(indexedMatchSql(words, indexed, token, last, params));
    for (const field of plan.query_by) {
      const pattern = isIndexed(plan, field)
        ? undefined
        : matchSql(field.ref, params.add(wordPattern(token, last && field.prefix)), params);
      if (pattern) matches.push(pattern);
      const exact = () => pattern ?? indexedMatchSql(words!, [field], token, last, params);
      const weight = field.weight + 1;
      if (!typo || field.ref.kind !== 'string') {
        scores.push(() => `(CASE WHEN ${exact()} THEN ${2 * weight} ELSE 0 END)`);
        continue;
      }
      typoWord ??= params.add(token);
      // pg_trgm's trigrams are case-insensitive: lower() changes no answer and lets the index serve.
      const similar = `${typoWord}::text <% lower(${field.ref.sql})`;
      matches.push(similar);
      scores.push(() => `(CASE WHEN ${exact()} THEN ${2 * weight} WHEN ${similar} THEN ${weight} ELSE 0 END)`);
    }
    conditions.push(`(${matches.join(' OR ')})`);
  });
  if (plan.filter) conditions.push(filterSql(plan, plan.filter, params));
  const where = conditions.length > 0 ? conditions.join(' AND ') : 'TRUE';
  const where_values = [...params.values];
  return { where, where_values, score: scores.length > 0 ? scores.map((score) => score()).join(' + ') : '100' };
}

/** ORDER BY: the plan's keys, then _text_match and the collection's default sort, newest first. */
export function orderSql(plan: SearchPlan): string {
  const keys = plan.sort.map(({ ref, descending }) => {
    const direction = descending ? 'DESC' : 'ASC';
    if (ref === '_text_match') return `_text_match ${direction}`;
    return `${(ref as FieldRef & { sql: string }).sql} ${direction} NULLS LAST`;
  });
  if (plan.sort.length === 0) {
    if (plan.tokens.length > 0) keys.push('_text_match DESC');
    keys.push(`${plan.collection.fields[plan.collection.default_sort].sql} DESC`);
  } else if (!plan.sort.some((key) => key.ref === '_text_match') && plan.tokens.length > 0) {
    keys.push('_text_match DESC');
  }
  keys.push(`${plan.collection.key} DESC`);
  return keys.join(', ');
}
