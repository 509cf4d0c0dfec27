// Exact money arithmetic (blnk-contract.md ledger §3). A float `amount` becomes minor units through its
// shortest round-trip decimal text, multiplied exactly and rounded half away from zero; minor
// units become `amount_string` by exact division carried to at most 16 fractional digits.
import { exactNumber, type ExactNumber } from '../json.js';

export const AMOUNT_SIGNIFICANT_DIGITS_MAX = 15;
export const AMOUNT_FRACTION_DIGITS_MAX = 16;

/**
 * Kassa's bounds (docs/compatibility.md), refused with 400 at the door so that every path (balances,
 * hashes, views, refunds, monitors, previews) carries what was accepted: an amount in minor units has at
 * most 40 digits, a precision is at most 10^18 (wei per ether).
 */
export const PRECISE_AMOUNT_DIGITS_MAX = 40;
export const PRECISE_AMOUNT_MAX = 10n ** BigInt(PRECISE_AMOUNT_DIGITS_MAX) - 1n;
export const PRECISION_MAX = 10n ** 18n;
export const PRECISE_AMOUNT_TOO_LARGE = `must have at most ${PRECISE_AMOUNT_DIGITS_MAX} digits`;
export const PRECISION_TOO_LARGE = `precision cannot be more than ${PRECISION_MAX}`;

/** An integer text of minor units within the bound, or null (the text is length-checked before BigInt). */
export function boundedIntegerText(text: string): bigint | null {
  const digits = text.replace(/^-?0*/, '');
  return digits.length <= PRECISE_AMOUNT_DIGITS_MAX ? BigInt(text) : null;
}

const EXPONENT_FORM = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/;

/** The shortest round-trip decimal text of a finite number, never in exponent notation (Go's 'f', -1). */
export function decimalText(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  const text = Object.is(value, -0) ? '0' : String(value);
  const match = EXPONENT_FORM.exec(text);
  if (!match) return text;
  const [, sign, whole, fraction = '', exponentText] = match;
  const digits = whole + fraction;
  const point = whole.length + Number(exponentText);
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return sign + digits + '0'.repeat(point - digits.length);
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** Digits that carry information: the decimal text without sign, point and leading zeros. */
export function significantDigits(value: number): number {
  return decimalText(Math.abs(value)).replace('.', '').replace(/^0+/, '').length;
}

/** n / d rounded half away from zero; d > 0. */
export function divideRoundHalfAwayFromZero(n: bigint, d: bigint): bigint {
  if (d <= 0n) throw new RangeError('divisor must be positive');
  const quotient = n / d;
  const remainder = n % d;
  const twice = 2n * (remainder < 0n ? -remainder : remainder);
  if (twice >= d) return n < 0n ? quotient - 1n : quotient + 1n;
  return quotient;
}

/** A decimal text (`-12.345`) as an integer and a power of ten: -12345 × 10^-3. */
function parseDecimal(text: string): { units: bigint; scale: number } {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) throw new RangeError(`not a decimal: ${text}`);
  const [, sign, whole, fraction = ''] = match;
  const units = BigInt(whole + fraction);
  return { units: sign ? -units : units, scale: fraction.length };
}

/** Precision as used in arithmetic: 0 (or absent) means 1. */
export function effectivePrecision(precision: bigint): bigint {
  return precision === 0n ? 1n : precision;
}

/** `amount` (major units, a float) × `precision`, exact, rounded half away from zero. */
export function toPreciseAmount(amount: number, precision: bigint): bigint {
  const { units, scale } = parseDecimal(decimalText(amount));
  return divideRoundHalfAwayFromZero(units * effectivePrecision(precision), 10n ** BigInt(scale));
}

/** Exact decimal text of `precise ÷ precision`, at most 16 fractional digits, no trailing zeros. */
export function toAmountString(precise: bigint, precision: bigint): string {
  const divisor = effectivePrecision(precision);
  const scaled = divideRoundHalfAwayFromZero(precise * 10n ** BigInt(AMOUNT_FRACTION_DIGITS_MAX), divisor);
  const negative = scaled < 0n;
  const digits = (negative ? -scaled : scaled).toString().padStart(AMOUNT_FRACTION_DIGITS_MAX + 1, '0');
  const whole = digits.slice(0, -AMOUNT_FRACTION_DIGITS_MAX);
  const fraction = digits.slice(-AMOUNT_FRACTION_DIGITS_MAX).replace(/0+$/, '');
  const text = fraction ? `${whole}.${fraction}` : whole;
  return negative && text !== '0' ? `-${text}` : text;
}

/** The `amount` JSON field of a precise amount: its exact decimal text as a bare number, never a float. */
export function toAmount(precise: bigint, precision: bigint): ExactNumber {
  return exactNumber(toAmountString(precise, precision));
}
