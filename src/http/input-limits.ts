// What a request may cost before any work is done (docs/compatibility.md "Input bounds"). The body's
// text is scanned once before parsing (nesting depth, length of number literals: BigInt parsing is
// quadratic in the digits; length of strings), which also says whether any integer needs a bigint:
// when none does, the native JSON.parse gives the same values ten times faster than the lossless
// parser. The parsed value is walked once (text PostgreSQL cannot store, numbers a float cannot
// hold, meta_data size), and path and query values get the same text rules.
import { ApiError } from '../errors.js';
import { INTEGER_PATTERN } from '../json.js';

export const INPUT_LIMITS = {
  depth_max: 32,
  number_chars_max: 100,
  string_chars_max: 65_536,
  meta_data_chars_max: 65_536,
  /** Keys of one object: a huge object costs the parser ten times a huge array. */
  object_keys_max: 1_000,
  /** Items of one array: ten times a bulk request's 10,000 transactions (arrays parse cheaply). */
  array_items_max: 100_000,
} as const;

/** A string's text in the body may be this much longer than its value (escapes: `\uXXXX` is 6 for 1). */
const ESCAPED_CHARS_PER_CHAR = 6;
/** Integers with more digits than this may exceed 2^53 and are parsed as bigint. */
const SAFE_INTEGER_DIGITS = 15;

function refused(field: string, problem: string): ApiError {
  return new ApiError('GEN_BAD_REQUEST', `${field}: ${problem}`, { details: { field } });
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const STRING_RUN = /[^"\\]*/y;
const NUMBER_RUN = /[-+.eE0-9]*/y;

function isNumberChar(code: number): boolean {
  // digits, '-', '+', '.', 'e', 'E'
  return (
    (code >= DIGIT_0 && code <= DIGIT_9) || code === 0x2d || code === 0x2b || code === 0x2e || code === 0x65 || code === 0x45
  );
}

/**
 * Refuses a body text nested deeper than the bound, or holding an over-long number or string.
 * Returns whether some integer literal may need a bigint (more than 15 digits, no point or exponent).
 */
export function scanJsonText(text: string): { big_integers: boolean } {
  const string_raw_max = INPUT_LIMITS.string_chars_max * ESCAPED_CHARS_PER_CHAR;
  let depth = 0;
  let big_integers = false;
  // Per open container: whether it is an object, and its members so far (commas + 1).
  const isObject: boolean[] = [];
  const members: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) {
      const start = i;
      i++;
      for (;;) {
        // lastIndex stays within the text: a sticky regex failing past the end would reset it to 0.
        STRING_RUN.lastIndex = i;
        STRING_RUN.test(text);
        i = STRING_RUN.lastIndex;
        if (i >= text.length || text.charCodeAt(i) === QUOTE) break;
        i = Math.min(i + 2, text.length); // a backslash and the character it escapes
      }
      if (i - start > string_raw_max) {
        throw refused('body', `a string has more than ${INPUT_LIMITS.string_chars_max} characters`);
      }
      continue;
    }
    if (isNumberChar(code)) {
      NUMBER_RUN.lastIndex = i;
      NUMBER_RUN.test(text);
      const end = NUMBER_RUN.lastIndex;
      if (end - i > INPUT_LIMITS.number_chars_max) {
        throw refused('body', `a number has more than ${INPUT_LIMITS.number_chars_max} characters`);
      }
      if (end - i > SAFE_INTEGER_DIGITS && INTEGER_PATTERN.test(text.slice(i, end))) big_integers = true;
      i = end - 1;
      continue;
    }
    if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      if (++depth > INPUT_LIMITS.depth_max) throw refused('body', `nested deeper than ${INPUT_LIMITS.depth_max} levels`);
      isObject[depth] = code === OPEN_BRACE;
      members[depth] = 1;
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) depth--;
    else if (code === COMMA && depth > 0) {
      const limit = isObject[depth] ? INPUT_LIMITS.object_keys_max : INPUT_LIMITS.array_items_max;
      if (++members[depth] > limit) {
        throw refused(
          'body',
          isObject[depth] ? `an object has more than ${limit} keys` : `an array has more than ${limit} items`,
        );
      }
    }
  }
  return { big_integers };
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The problem with a text PostgreSQL must store, or undefined. */
export function textProblem(text: string): string | undefined {
  if (text.includes('\u0000')) return 'must not contain NUL (\\u0000) characters';
  if (LONE_SURROGATE.test(text)) return 'must not contain unpaired UTF-16 surrogates';
  return undefined;
}

function checkText(text: string, field: string): void {
  const problem = textProblem(text);
  if (problem) throw refused(field, problem);
  if (text.length > INPUT_LIMITS.string_chars_max) {
    throw refused(field, `must have at most ${INPUT_LIMITS.string_chars_max} characters`);
  }
}

function fieldPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent ? `${parent}.${key}` : key;
}

/** Counts the characters of a meta_data value as it walks, and refuses it once past the bound. */
class MetaBudget {
  private chars = 0;
  constructor(private readonly field: string) {}
  spend(chars: number): void {
    this.chars += chars;
    if (this.chars > INPUT_LIMITS.meta_data_chars_max) {
      throw refused(this.field, `must be at most ${INPUT_LIMITS.meta_data_chars_max} characters of JSON`);
    }
  }
}

/** Refuses a parsed body holding text, numbers or meta_data that no path can carry. */
export function checkJsonValue(value: unknown, field = '', budget?: MetaBudget): void {
  if (typeof value === 'string') {
    budget?.spend(value.length + 2);
    return checkText(value, field || 'body');
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw refused(field || 'body', 'number is too large');
    budget?.spend(8);
    return;
  }
  if (value === null || typeof value !== 'object') {
    budget?.spend(5);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => checkJsonValue(item, fieldPath(field, i), budget));
    return;
  }
  const object = value as Record<string, unknown>;
  for (const key in object) {
    const item = object[key];
    const path = fieldPath(field, key);
    const problem = textProblem(key);
    if (problem) throw refused(path, `key ${problem}`);
    budget?.spend(key.length + 3);
    const isMeta = budget === undefined && key === 'meta_data' && item !== null && typeof item === 'object';
    checkJsonValue(item, path, isMeta ? new MetaBudget(path) : budget);
  }
}

/** Path and query values: the text rules of bodies. */
export function checkRequestTexts(values: unknown, where: 'path' | 'query'): void {
  if (values === null || typeof values !== 'object') return;
  for (const [key, value] of Object.entries(values)) {
    const field = `${where} ${key}`;
    const problem = textProblem(key);
    if (problem) throw refused(field, `name ${problem}`);
    for (const text of Array.isArray(value) ? value : [value]) {
      if (typeof text === 'string') checkText(text, field);
    }
  }
}
