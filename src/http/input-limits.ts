// What a request may cost before any work is done (docs/compatibility.md "Input bounds"). The body's
// text is scanned once before parsing (nesting depth, length of number literals: BigInt parsing is
// quadratic in the digits), the parsed value is walked once (text PostgreSQL cannot store, numbers a
// float cannot hold, string and meta_data sizes), and path and query values get the same text rules.
import { ApiError } from '../errors.js';
import { stringifyJson } from '../json.js';

export const INPUT_LIMITS = {
  depth_max: 32,
  number_chars_max: 100,
  string_chars_max: 65_536,
  meta_data_chars_max: 65_536,
} as const;

function refused(field: string, problem: string): ApiError {
  return new ApiError('GEN_BAD_REQUEST', `${field}: ${problem}`, { details: { field } });
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

function isNumberChar(code: number): boolean {
  // digits, '-', '+', '.', 'e', 'E'
  return (code >= 0x30 && code <= 0x39) || code === 0x2d || code === 0x2b || code === 0x2e || code === 0x65 || code === 0x45;
}

/** Refuses a body text nested deeper than the bound or holding an over-long number literal. */
export function scanJsonText(text: string): void {
  let depth = 0;
  let inString = false;
  let numberChars = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === BACKSLASH) i++;
      else if (code === QUOTE) inString = false;
      continue;
    }
    if (isNumberChar(code)) {
      if (++numberChars > INPUT_LIMITS.number_chars_max) {
        throw refused('body', `a number has more than ${INPUT_LIMITS.number_chars_max} characters`);
      }
      continue;
    }
    numberChars = 0;
    if (code === QUOTE) inString = true;
    else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      if (++depth > INPUT_LIMITS.depth_max) throw refused('body', `nested deeper than ${INPUT_LIMITS.depth_max} levels`);
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) depth--;
  }
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

/** Refuses a parsed body holding text, numbers or meta_data that no path can carry. */
export function checkJsonValue(value: unknown, field = ''): void {
  if (typeof value === 'string') return checkText(value, field || 'body');
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw refused(field || 'body', 'number is too large');
    return;
  }
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    value.forEach((item, i) => checkJsonValue(item, fieldPath(field, i)));
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    const path = fieldPath(field, key);
    const problem = textProblem(key);
    if (problem) throw refused(path, `key ${problem}`);
    checkJsonValue(item, path);
    if (key === 'meta_data' && item !== null && typeof item === 'object') {
      if (stringifyJson(item).length > INPUT_LIMITS.meta_data_chars_max) {
        throw refused(path, `must be at most ${INPUT_LIMITS.meta_data_chars_max} characters of JSON`);
      }
    }
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
