// JSON without float loss. Integers outside the safe range parse to bigint; bigints print as bare
// numbers, and so do exact decimals (`exactNumber`): a derived `amount` is printed from its exact
// text, never through a float. Everything money-related reaches the ledger as bigint or exact text.
import {
  isLosslessNumber,
  isSafeNumber,
  LosslessNumber,
  parse as losslessParse,
  stringify as losslessStringify,
} from 'lossless-json';

export const INTEGER_PATTERN = /^-?\d+$/;

function parseNumber(text: string): number | bigint {
  if (INTEGER_PATTERN.test(text) && !isSafeNumber(text)) return BigInt(text);
  // A number too large for a float (1e400) stays visible as Infinity, for validation to refuse.
  return Number(text);
}

/** A repeated key keeps its last value, as Go's encoding/json and JSON.parse do. */
const lastValueWins = ({ newValue }: { newValue: unknown }) => newValue;

export function parseJson(text: string): unknown {
  return losslessParse(text, null, { parseNumber, onDuplicateKey: lastValueWins });
}

/** A JSON number printed exactly as `text` (a plain decimal such as `-12.345`). */
export type ExactNumber = LosslessNumber;

export function exactNumber(text: string): ExactNumber {
  return new LosslessNumber(text);
}

// Fast path: JSON.stringify with bigints and exact numbers marked, then unquoted. A string that itself
// contains the mark (never seen in practice) falls back to lossless-json, which is exact but slower.
const NUMBER_MARK = '\u0000number:';
const NUMBER_MARKED = /"\\u0000number:(-?\d+(?:\.\d+)?)"/g;

/** JSON.stringify that writes bigints and exact numbers as bare JSON numbers. */
export function stringifyJson(value: unknown): string {
  let collision = false;
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return NUMBER_MARK + v.toString();
    if (isLosslessNumber(v)) return NUMBER_MARK + v.value;
    if (typeof v === 'string' && v.includes(NUMBER_MARK)) collision = true;
    return v;
  });
  if (collision) return losslessStringify(value) ?? 'null';
  return text.includes('\\u0000number:') ? text.replace(NUMBER_MARKED, '$1') : text;
}
