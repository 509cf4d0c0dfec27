// Balance monitor conditions (blnk-contract.md ledger §9): `<balance field> <operator> precise_value`, where
// precise_value = value × precision computed exactly in decimal and truncated toward zero (Kassa's
// fix of Blnk's float truncation, under which 0.29 × 100 could become 28). `=` is equality.

export const MONITOR_FIELDS = [
  'debit_balance',
  'credit_balance',
  'balance',
  'inflight_debit_balance',
  'inflight_credit_balance',
  'inflight_balance',
] as const;
export type MonitorField = (typeof MONITOR_FIELDS)[number];

export const MONITOR_OPERATORS = ['>', '<', '>=', '<=', '=', '!='] as const;
export type MonitorOperator = (typeof MONITOR_OPERATORS)[number];

/** An exact decimal: digits × 10^-scale. */
interface Decimal {
  digits: bigint;
  scale: number;
}

/** The exact decimal a JSON number stands for (its shortest text, exponent notation included). */
export function toDecimal(value: number | bigint): Decimal {
  if (typeof value === 'bigint') return { digits: value, scale: 0 };
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:e([-+]\d+))?$/.exec(String(value));
  if (!match) throw new RangeError(`unexpected number text: ${value}`);
  const [, sign, whole, fraction = '', exponentText = '0'] = match;
  const exponent = Number(exponentText);
  const digits = BigInt(sign + whole + fraction);
  const scale = fraction.length - exponent;
  return scale >= 0 ? { digits, scale } : { digits: digits * 10n ** BigInt(-scale), scale: 0 };
}

/** The decimal text of a JSON number, never in exponent notation (`1e21` -> `1000000000000000000000`). */
export function toDecimalText(value: number | bigint): string {
  const { digits, scale } = toDecimal(value);
  if (scale === 0) return digits.toString();
  const negative = digits < 0n;
  const text = (negative ? -digits : digits).toString().padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${text.slice(0, -scale)}.${text.slice(-scale)}`;
}

/** trunc(value × precision), exact. BigInt division truncates toward zero. */
export function preciseValue(value: number | bigint, precision: number | bigint): bigint {
  const a = toDecimal(value);
  const b = toDecimal(precision);
  return (a.digits * b.digits) / 10n ** BigInt(a.scale + b.scale);
}

export function conditionHolds(actual: bigint, operator: MonitorOperator, precise_value: bigint): boolean {
  switch (operator) {
    case '>':
      return actual > precise_value;
    case '<':
      return actual < precise_value;
    case '>=':
      return actual >= precise_value;
    case '<=':
      return actual <= precise_value;
    case '=':
      return actual === precise_value;
    case '!=':
      return actual !== precise_value;
  }
}
