// The RecordTransaction request (blnk-contract.md ledger §2.5): binding (wrong JSON types -> 400
// `Invalid input`), then Blnk's ozzo validation messages, then the exact amounts of §3.
import { ApiError } from '../errors.js';
import { isRfc3339 } from '../time.js';
import {
  AMOUNT_SIGNIFICANT_DIGITS_MAX,
  PRECISE_AMOUNT_MAX,
  PRECISE_AMOUNT_TOO_LARGE,
  PRECISION_MAX,
  PRECISION_TOO_LARGE,
  boundedIntegerText,
  effectivePrecision,
  significantDigits,
  toAmountString,
  toPreciseAmount,
} from './money.js';
import {
  ConditionInputError,
  hasConditions,
  NO_CONDITIONS,
  parseBalanceBounds,
  parseExpectedVersions,
  type PostingConditions,
} from './posting-conditions.js';

export interface Distribution {
  identifier: string;
  distribution: string;
  precise_distribution?: string;
  transaction_id?: string;
}

export interface TransactionRequest {
  /** The float as sent (0 when absent); echoed by the create response. */
  amount: number;
  precise_amount: bigint;
  /** Integer-valued; 0 sent means 1. */
  precision: bigint;
  amount_string: string;
  overdraft_limit: number;
  overdraft_limit_precise: bigint;
  currency: string;
  reference: string;
  description: string;
  source: string;
  destination: string;
  sources: Distribution[] | null;
  destinations: Distribution[] | null;
  allow_overdraft: boolean;
  inflight: boolean;
  skip_queue: boolean;
  atomic: boolean;
  dry_run: boolean;
  scheduled_for: string | null;
  inflight_expiry_date: string | null;
  inflight_commit_date: string | null;
  effective_date: string | null;
  meta_data: Record<string, unknown> | null;
  /** Kassa's own optimistic concurrency (posting-conditions.ts); NO_CONDITIONS when not sent. */
  conditions: PostingConditions;
}

export const MALFORMED_TRANSACTION_MESSAGE = 'Invalid input';
export const DATE_FORMAT_MESSAGE =
  "please format the scheduled date as 'YYYY-MM-DDTHH:MM:SS+00:00' (e.g., 2024-04-22T15:28:03+00:00)";

/** A field of the wrong JSON type: Blnk's `Invalid input`, with the field named in the detail. */
class Malformed extends Error {
  constructor(
    readonly field: string,
    readonly expected: string,
  ) {
    super(field);
  }
}

function malformed(field: string, expected: string): never {
  throw new Malformed(field, expected);
}

function str(body: Record<string, unknown>, field: string, path = field): string {
  const value = body[field];
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : malformed(path, 'a string');
}

function bool(body: Record<string, unknown>, field: string): boolean {
  const value = body[field];
  if (value === undefined || value === null) return false;
  return typeof value === 'boolean' ? value : malformed(field, 'a boolean');
}

function float(body: Record<string, unknown>, field: string): number {
  const value = body[field];
  if (value === undefined || value === null) return 0;
  if (typeof value === 'bigint') return Number(value);
  return typeof value === 'number' ? value : malformed(field, 'a number');
}

/** Precision: any number; huge integers arrive as bigint. */
function precisionOf(body: Record<string, unknown>): number | bigint {
  const value = body.precision;
  if (value === undefined || value === null) return 0;
  if (typeof value === 'bigint' || typeof value === 'number') return value;
  return malformed('precision', 'a number');
}

/** `precise_amount`; one past the bound when it has too many digits (validation names it). */
function preciseOf(body: Record<string, unknown>): bigint | null {
  const value = body.precise_amount;
  if (value === undefined || value === null) return null;
  if (typeof value === 'bigint') return value;
  // A float-typed number is exact only up to 2^53 (12345678901234567.0 would round): past that, an
  // integer literal (parsed as bigint) or a string is needed.
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  // Blnk's SDK sends large values as strings (its docs recommend it): take plain integers.
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return boundedIntegerText(value) ?? PRECISE_AMOUNT_MAX + 1n;
  return malformed('precise_amount', 'an integer (past 2^53 without a fraction or exponent, or as a string)');
}

function distributions(body: Record<string, unknown>, field: string): Distribution[] | null {
  const value = body[field];
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value)) return malformed(field, 'an array');
  return value.map((item: unknown, i) => {
    const path = `${field}[${i}]`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return malformed(path, 'an object');
    const entry = item as Record<string, unknown>;
    const distribution: Distribution = {
      identifier: str(entry, 'identifier', `${path}.identifier`),
      distribution: str(entry, 'distribution', `${path}.distribution`),
    };
    const precise = str(entry, 'precise_distribution', `${path}.precise_distribution`);
    if (precise) distribution.precise_distribution = precise;
    const id = str(entry, 'transaction_id', `${path}.transaction_id`);
    if (id) distribution.transaction_id = id;
    return distribution;
  });
}

function optionalDate(body: Record<string, unknown>, field: string): string | null {
  return str(body, field) || null;
}

function conditionsOf(body: Record<string, unknown>): PostingConditions {
  try {
    const conditions = {
      expected_versions: parseExpectedVersions(body.expected_versions),
      balance_bounds: parseBalanceBounds(body.balance_bounds),
    };
    return hasConditions(conditions) ? conditions : NO_CONDITIONS;
  } catch (error) {
    if (error instanceof ConditionInputError) malformed(error.field, error.expected);
    throw error;
  }
}

interface Bound {
  amount: number;
  precise: bigint | null;
  precision: number | bigint;
  overdraft_limit: number;
  fields: Omit<
    TransactionRequest,
    'amount' | 'precise_amount' | 'precision' | 'amount_string' | 'overdraft_limit' | 'overdraft_limit_precise'
  >;
}

function bind(body: unknown): Bound {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return malformed('body', 'a JSON object');
  const b = body as Record<string, unknown>;
  const effective = b.effective_date;
  if (effective !== undefined && effective !== null && !isRfc3339(effective)) malformed('effective_date', 'an RFC 3339 time');
  const meta = b.meta_data;
  str(b, 'balance_id'); // accepted and unused, but must be a string
  if (meta !== undefined && meta !== null && (typeof meta !== 'object' || Array.isArray(meta)))
    malformed('meta_data', 'an object');
  return {
    amount: float(b, 'amount'),
    precise: preciseOf(b),
    precision: precisionOf(b),
    overdraft_limit: float(b, 'overdraft_limit'),
    fields: {
      currency: str(b, 'currency'),
      reference: str(b, 'reference'),
      description: str(b, 'description'),
      source: str(b, 'source'),
      destination: str(b, 'destination'),
      sources: distributions(b, 'sources'),
      destinations: distributions(b, 'destinations'),
      allow_overdraft: bool(b, 'allow_overdraft'),
      inflight: bool(b, 'inflight'),
      skip_queue: bool(b, 'skip_queue'),
      atomic: bool(b, 'atomic'),
      dry_run: bool(b, 'dry_run'),
      scheduled_for: optionalDate(b, 'scheduled_for'),
      inflight_expiry_date: optionalDate(b, 'inflight_expiry_date'),
      inflight_commit_date: optionalDate(b, 'inflight_commit_date'),
      effective_date: typeof effective === 'string' ? effective : null,
      meta_data: (meta as Record<string, unknown> | null | undefined) ?? null,
      conditions: conditionsOf(b),
    },
  };
}

/** ozzo's message: `field: msg; field: msg.`, fields sorted. */
export function ozzoMessage(errors: Record<string, string>): string {
  return (
    Object.keys(errors)
      .sort()
      .map((field) => `${field}: ${errors[field]}`)
      .join('; ') + '.'
  );
}

/**
 * Blnk's `Invalid input` (top-level `error`), the field and the JSON type it needs named in the
 * detail's message (`Invalid input: amount must be a number`) and details.
 */
export function malformedTransaction(field: string, expected: string): ApiError {
  return new ApiError('GEN_MALFORMED_REQUEST', `${MALFORMED_TRANSACTION_MESSAGE}: ${field} must be ${expected}`, {
    legacyValue: MALFORMED_TRANSACTION_MESSAGE,
    details: { field, expected },
  });
}

export function transactionValidationError(message: string): ApiError {
  return new ApiError('TXN_VALIDATION_ERROR', message, { legacyKey: 'errors' });
}

function validate(bound: Bound): Record<string, string> {
  const { amount, precise, precision, fields } = bound;
  const errors: Record<string, string> = {};
  if (amount !== 0 && precise !== null) errors.amount = 'either amount or precise_amount should be provided, not both';
  else if (amount === 0 && precise === null) errors.amount = 'either amount or precise_amount is required';
  else if (!Number.isFinite(amount)) errors.amount = 'amount must be a finite number';
  else if (amount < 0) errors.amount = 'amount cannot be negative';
  else if (amount !== 0 && significantDigits(amount) > AMOUNT_SIGNIFICANT_DIGITS_MAX) {
    errors.amount = 'amount has more than 15 significant digits which may cause rounding errors; use precise_amount instead';
  }
  if (precise !== null && precise < 0n) errors.precise_amount = 'precise_amount cannot be negative';
  else if (precise !== null && precise > PRECISE_AMOUNT_MAX) errors.precise_amount = PRECISE_AMOUNT_TOO_LARGE;
  if (typeof precision === 'number' && !Number.isSafeInteger(precision)) {
    // A float-typed precision past 2^53 may have been rounded (1000000000000000001.0 reads as 10^18).
    errors.precision = 'precision must be an integer value';
  } else if (precision < 0) errors.precision = 'precision cannot be negative';
  else if (BigInt(precision) > PRECISION_MAX) errors.precision = PRECISION_TOO_LARGE;
  if (!Number.isFinite(bound.overdraft_limit) || bound.overdraft_limit < 0) {
    errors.overdraft_limit = 'overdraft_limit must be a finite number, not negative';
  }
  if (!fields.currency) errors.currency = 'cannot be blank';
  if (!fields.reference) errors.reference = 'cannot be blank';
  if (!fields.description) errors.description = 'cannot be blank';
  const hasSources = (fields.sources?.length ?? 0) > 0;
  const hasDestinations = (fields.destinations?.length ?? 0) > 0;
  if (!fields.source === !hasSources) errors.source = 'either source or sources is required, not both';
  if (!fields.destination === !hasDestinations) {
    errors.destination = 'either destination or destinations is required, not both';
  }
  if (!errors.source && !errors.destination) {
    const destinationIds = fields.destination ? [fields.destination] : fields.destinations!.map((d) => d.identifier);
    const sourceIds = fields.source ? [fields.source] : fields.sources!.map((d) => d.identifier);
    if (
      (fields.source && destinationIds.includes(fields.source)) ||
      (fields.destination && sourceIds.includes(fields.destination))
    ) {
      errors.source = 'source and destination cannot be the same balance';
    }
  }
  for (const field of ['scheduled_for', 'inflight_expiry_date', 'inflight_commit_date'] as const) {
    const value = fields[field];
    if (value !== null && !isRfc3339(value)) errors[field] = DATE_FORMAT_MESSAGE;
  }
  return errors;
}

/** The validated request, or the ApiError Blnk answers with. */
export function parseTransactionRequest(body: unknown): TransactionRequest {
  let bound: Bound;
  try {
    bound = bind(body);
  } catch (error) {
    if (error instanceof Malformed) throw malformedTransaction(error.field, error.expected);
    throw error;
  }
  const errors = validate(bound);
  if (Object.keys(errors).length > 0) throw transactionValidationError(ozzoMessage(errors));
  const precision = effectivePrecision(BigInt(bound.precision));
  const precise_amount = bound.precise !== null && bound.precise > 0n ? bound.precise : toPreciseAmount(bound.amount, precision);
  if (precise_amount <= 0n) throw new ApiError('TXN_INVALID_AMOUNT', 'transaction amount must be positive');
  if (precise_amount > PRECISE_AMOUNT_MAX) throw transactionValidationError(ozzoMessage({ amount: PRECISE_AMOUNT_TOO_LARGE }));
  const overdraft_limit_precise = bound.overdraft_limit > 0 ? toPreciseAmount(bound.overdraft_limit, precision) : 0n;
  if (overdraft_limit_precise > PRECISE_AMOUNT_MAX) {
    throw transactionValidationError(ozzoMessage({ overdraft_limit: PRECISE_AMOUNT_TOO_LARGE }));
  }
  return {
    ...bound.fields,
    amount: bound.amount,
    precise_amount,
    precision,
    amount_string: toAmountString(precise_amount, precision),
    overdraft_limit: bound.overdraft_limit,
    overdraft_limit_precise,
  };
}

/**
 * The text a row's hash covers: amount, reference, currency, source, destination (Blnk's fields). The
 * amount is the exact decimal text derived from the bigint, never a float (which overflows past 1e308).
 */
export function hashInput(row: {
  amount_string: string;
  reference: string;
  currency: string;
  source: string;
  destination: string;
}): string {
  return row.amount_string + row.reference + row.currency + row.source + row.destination;
}
