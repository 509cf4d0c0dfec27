/** How Blnk writes an unset time field. */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

/** RFC 3339 (with fractional seconds and an offset) as Blnk accepts for timestamps. */
export const RFC3339_PATTERN = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

const FIELDS = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;

/**
 * An RFC 3339 date-time naming a real instant, as Go's time.Parse checks it: no 30 February, no hour
 * 24 (JavaScript's Date.parse accepts both and moves to the next day).
 */
export function isRfc3339(text: unknown): text is string {
  if (typeof text !== 'string') return false;
  const match = FIELDS.exec(text);
  if (!match) return false;
  const [year, month, day, hour, minute, second, zoneHours, zoneMinutes] = match.slice(1).map((field) => Number(field ?? 0));
  const daysInMonth = new Date(Date.UTC(2000 + (year % 400), month, 0)).getUTCDate();
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth) return false;
  // PostgreSQL stores offsets up to ±15:59 (a larger one would be a 500 at the insert).
  return hour <= 23 && minute <= 59 && second <= 59 && zoneHours <= 15 && zoneMinutes <= 59;
}
