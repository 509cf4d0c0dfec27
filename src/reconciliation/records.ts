// One external record (a bank's line) from an upload, checked field by field. Blnk turns an amount it
// cannot read into 0 and a date into the zero time; Kassa refuses the record, naming its row and field
// (docs/compatibility.md). Amounts stay exact decimal texts: no float ever holds one.
import { textProblem } from '../http/input-limits.js';
import { isRfc3339 } from '../time.js';

export const RECORD_FIELDS = ['id', 'amount', 'currency', 'reference', 'description', 'date'] as const;
export type RecordField = (typeof RECORD_FIELDS)[number];

export interface ExternalRecord {
  id: string;
  /** Exact decimal text, no exponent (`-12.50`). */
  amount: string;
  currency: string;
  reference: string;
  description: string;
  /** RFC 3339, as given. */
  date: string;
  /** Its own source (start-instant records); otherwise the upload's. */
  source?: string;
}

/** Digits an amount may carry (before and after the point), as minor-unit amounts elsewhere. */
export const AMOUNT_DIGITS_MAX = 40;
/** Characters a text field may hold (Blnk's reference is VARCHAR(255); ids and texts alike here). */
export const RECORD_TEXT_CHARS_MAX = 1000;

/** A record the upload cannot store; `row` is 1-based over data rows (CSV: the header is row 0). */
export class RecordError extends Error {
  constructor(
    readonly row: number,
    readonly field: string | undefined,
    problem: string,
  ) {
    super(field ? `row ${row}: ${field} ${problem}` : `row ${row}: ${problem}`);
  }
}

const DECIMAL = /^([+-]?)(\d+)?(?:\.(\d+))?(?:[eE]([+-]?\d{1,4}))?$/;

/** The exact decimal text of `text` (`1e2` -> `100`, `+.50` -> `0.5`), or undefined when it is not a number. */
export function exactDecimal(text: string): string | undefined {
  const match = DECIMAL.exec(text.trim());
  if (!match || (match[2] === undefined && match[3] === undefined)) return undefined;
  const [, sign, whole = '', fraction = '', exponentText = '0'] = match;
  // value = digits × 10^-scale, without leading zeros, and without trailing zeros after the point.
  let digits = (whole + fraction).replace(/^0+/, '');
  let scale = fraction.length - Number(exponentText);
  if (digits === '') return '0';
  while (scale > 0 && digits.endsWith('0')) {
    digits = digits.slice(0, -1);
    scale -= 1;
  }
  const integerDigits = digits.length - scale;
  if (integerDigits > AMOUNT_DIGITS_MAX || scale > AMOUNT_DIGITS_MAX) return undefined;
  let decimal: string;
  if (scale <= 0) decimal = digits + '0'.repeat(-scale);
  else {
    const padded = digits.padStart(scale + 1, '0');
    decimal = `${padded.slice(0, -scale)}.${padded.slice(-scale)}`;
  }
  return sign === '-' ? `-${decimal}` : decimal;
}

function text(value: unknown, row: number, field: RecordField): string {
  if (typeof value !== 'string') throw new RecordError(row, field, 'must be a string');
  const trimmed = value.trim();
  if (trimmed === '') throw new RecordError(row, field, 'is required');
  const problem = textProblem(trimmed);
  if (problem) throw new RecordError(row, field, problem);
  if (trimmed.length > RECORD_TEXT_CHARS_MAX)
    throw new RecordError(row, field, `must have at most ${RECORD_TEXT_CHARS_MAX} characters`);
  return trimmed;
}

/**
 * The record of `fields` (CSV cells by field name, or a JSON object whose numbers arrive as their
 * text), or a RecordError naming `row` and the first field at fault.
 */
export function externalRecord(fields: Readonly<Record<string, unknown>>, row: number): ExternalRecord {
  const id = text(fields.id, row, 'id');
  const rawAmount = fields.amount;
  if (rawAmount === undefined || rawAmount === null || rawAmount === '') throw new RecordError(row, 'amount', 'is required');
  const amount = typeof rawAmount === 'string' ? exactDecimal(rawAmount) : undefined;
  if (amount === undefined) {
    throw new RecordError(row, 'amount', `must be a decimal number of at most ${AMOUNT_DIGITS_MAX} digits`);
  }
  const currency = text(fields.currency, row, 'currency');
  const reference = text(fields.reference, row, 'reference');
  const description = text(fields.description, row, 'description');
  const date = text(fields.date, row, 'date');
  if (!isRfc3339(date)) throw new RecordError(row, 'date', 'must be an RFC 3339 date-time (2024-01-31T09:30:00Z)');
  return { id, amount, currency, reference, description, date };
}
