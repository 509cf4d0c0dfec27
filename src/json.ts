// JSON without float loss. Integers outside the safe range parse to bigint; bigints print as bare
// numbers. Everything money-related reaches the ledger as bigint or as the exact decimal text.
import { parse as losslessParse, stringify as losslessStringify, isSafeNumber } from 'lossless-json';

const INTEGER_PATTERN = /^-?\d+$/;

function parseNumber(text: string): number | bigint {
  if (INTEGER_PATTERN.test(text) && !isSafeNumber(text)) return BigInt(text);
  return Number(text);
}

export function parseJson(text: string): unknown {
  return losslessParse(text, null, parseNumber);
}

// Fast path: JSON.stringify with bigints marked, then unquoted. A string that itself contains the
// mark (never seen in practice) falls back to lossless-json, which is exact but slower.
const BIGINT_MARK = '\u0000bigint:';
const BIGINT_MARKED = /"\\u0000bigint:(-?\d+)"/g;

/** JSON.stringify that writes bigints as bare JSON numbers. */
export function stringifyJson(value: unknown): string {
  let collision = false;
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return BIGINT_MARK + v.toString();
    if (typeof v === 'string' && v.includes(BIGINT_MARK)) collision = true;
    return v;
  });
  if (collision) return losslessStringify(value) ?? 'null';
  return text.includes('\\u0000bigint:') ? text.replace(BIGINT_MARKED, '$1') : text;
}
