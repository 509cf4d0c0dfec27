// Type parsing shared by both backends, so that rows look the same whichever database answers.
import { parseJson, stringifyJson } from '../json.js';

export const OID = {
  INT8: 20,
  NUMERIC: 1700,
  TIMESTAMP: 1114,
  TIMESTAMPTZ: 1184,
  DATE: 1082,
  JSON: 114,
  JSONB: 3802,
} as const;

/** `2025-02-02 02:35:16.606614+00` -> `2025-02-02T02:35:16.606614Z` (RFC 3339, microseconds kept). */
export function pgTimestampToRfc3339(text: string): string {
  const iso = text.replace(' ', 'T');
  const match = /([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?$/.exec(iso);
  if (!match) return iso + 'Z';
  const [suffix, sign, hours, minutes = '00'] = match;
  const base = iso.slice(0, iso.length - suffix.length);
  if (hours === '00' && minutes === '00') return base + 'Z';
  return `${base}${sign}${hours}:${minutes}`;
}

export const TYPE_PARSERS: Record<number, (text: string) => unknown> = {
  [OID.INT8]: (text) => text,
  [OID.NUMERIC]: (text) => text,
  [OID.TIMESTAMPTZ]: pgTimestampToRfc3339,
  [OID.TIMESTAMP]: (text) => text.replace(' ', 'T') + 'Z',
  [OID.DATE]: (text) => text,
  [OID.JSON]: parseJson,
  [OID.JSONB]: parseJson,
};

/** Query parameters: bigints as decimal text, plain objects and arrays of objects as JSON text. */
export function toSqlParams(params: readonly unknown[] = []): unknown[] {
  return params.map((value) => {
    if (typeof value === 'bigint') return value.toString();
    if (value !== null && typeof value === 'object' && !(value instanceof Date) && !Array.isArray(value)) {
      return stringifyJson(value);
    }
    if (Array.isArray(value) && value.some((item) => typeof item === 'bigint')) {
      return value.map((item) => (typeof item === 'bigint' ? item.toString() : item));
    }
    return value;
  });
}
