/** How Blnk writes an unset time field. */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

/** RFC 3339 (with fractional seconds and an offset) as Blnk accepts for timestamps. */
export const RFC3339_PATTERN = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

export function isRfc3339(text: unknown): text is string {
  return typeof text === 'string' && RFC3339_PATTERN.test(text) && !Number.isNaN(Date.parse(text));
}
