// Optimistic concurrency on balances (Kassa's own, issue 16): a transaction may name the version it
// expects each balance to be at (`expected_versions`) and the range each balance must stay within
// once it has posted (`balance_bounds`, minor units of `balance`). Checked under the balances' locks,
// with the funds check, by the one posting step (apply-units.ts); a failed condition refuses the
// transaction and leaves nothing behind.
import type { BalanceState } from './records.js';
import { ApiError } from '../errors.js';
import { boundedIntegerText, PRECISE_AMOUNT_MAX } from './money.js';

export interface BalanceBound {
  /** Inclusive; null = no lower bound. */
  min: bigint | null;
  /** Inclusive; null = no upper bound. */
  max: bigint | null;
}

export interface PostingConditions {
  /** balance id -> the version the balance must be at before the transaction posts. */
  expected_versions: Readonly<Record<string, number>> | null;
  /** balance id -> the range its `balance` must be in after the transaction posts. */
  balance_bounds: Readonly<Record<string, BalanceBound>> | null;
}

export const NO_CONDITIONS: PostingConditions = { expected_versions: null, balance_bounds: null };

/** How many balances one transaction may name in each condition. */
export const CONDITION_BALANCES_MAX = 16;

export type ConditionFailure =
  | { kind: 'version'; balance_id: string; expected: number; actual: number }
  | { kind: 'bound'; balance_id: string; side: 'min' | 'max'; bound: bigint; resulting: bigint }
  /** A condition names a balance the transaction does not post to. */
  | { kind: 'foreign_balance'; field: 'expected_versions' | 'balance_bounds'; balance_id: string };

export function hasConditions(conditions: PostingConditions): boolean {
  return conditions.expected_versions !== null || conditions.balance_bounds !== null;
}

/** Thrown by the parsers: the field (a JSON path) and what it must be. */
export class ConditionInputError extends Error {
  constructor(
    readonly field: string,
    readonly expected: string,
  ) {
    super(`${field} must be ${expected}`);
  }
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function entriesOf(value: unknown, field: string): [string, unknown][] | null {
  if (value === undefined || value === null) return null;
  if (!isPlainRecord(value)) throw new ConditionInputError(field, 'an object keyed by balance id');
  const entries = Object.entries(value);
  if (entries.length === 0) return null;
  if (entries.length > CONDITION_BALANCES_MAX) {
    throw new ConditionInputError(field, `an object of at most ${CONDITION_BALANCES_MAX} balances`);
  }
  for (const [key] of entries) if (key === '') throw new ConditionInputError(field, 'keyed by non-empty balance ids');
  return entries;
}

/** An integer amount: a safe JSON integer, a big integer literal, or integer text. */
function integerOf(value: unknown, field: string): bigint {
  const fail = () => new ConditionInputError(field, 'an integer amount in minor units (as a number or a string)');
  let parsed: bigint | undefined;
  if (typeof value === 'bigint') parsed = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) parsed = BigInt(value);
  else if (typeof value === 'string' && /^-?\d+$/.test(value)) parsed = boundedIntegerText(value) ?? undefined;
  if (parsed === undefined || parsed > PRECISE_AMOUNT_MAX || parsed < -PRECISE_AMOUNT_MAX) throw fail();
  return parsed;
}

/** `expected_versions` of a request body: balance id -> a non-negative integer version. */
export function parseExpectedVersions(value: unknown, field = 'expected_versions'): Record<string, number> | null {
  const entries = entriesOf(value, field);
  if (entries === null) return null;
  const versions: Record<string, number> = {};
  for (const [balance_id, version] of entries) {
    const path = `${field}.${balance_id}`;
    const number = typeof version === 'bigint' ? Number(version) : version;
    if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < 0) {
      throw new ConditionInputError(path, 'a non-negative integer version');
    }
    versions[balance_id] = number;
  }
  return versions;
}

/** `balance_bounds` of a request body: balance id -> `{min, max}`, at least one, min <= max. */
export function parseBalanceBounds(value: unknown, field = 'balance_bounds'): Record<string, BalanceBound> | null {
  const entries = entriesOf(value, field);
  if (entries === null) return null;
  const bounds: Record<string, BalanceBound> = {};
  for (const [balance_id, bound] of entries) {
    const path = `${field}.${balance_id}`;
    if (!isPlainRecord(bound)) throw new ConditionInputError(path, 'an object with min and/or max');
    const unknown = Object.keys(bound).find((key) => key !== 'min' && key !== 'max');
    if (unknown !== undefined) throw new ConditionInputError(`${path}.${unknown}`, 'absent (only min and max are known)');
    const min = bound.min === undefined || bound.min === null ? null : integerOf(bound.min, `${path}.min`);
    const max = bound.max === undefined || bound.max === null ? null : integerOf(bound.max, `${path}.max`);
    if (min === null && max === null) throw new ConditionInputError(path, 'an object with min and/or max');
    if (min !== null && max !== null && min > max) throw new ConditionInputError(path, 'a range whose min is not above its max');
    bounds[balance_id] = { min, max };
  }
  return bounds;
}

/** The first failed condition among `expected_versions` on the states before posting, or null. */
export function checkVersions(
  versions: Readonly<Record<string, number>>,
  states: ReadonlyMap<string, BalanceState>,
  own: readonly string[],
): ConditionFailure | null {
  for (const [balance_id, expected] of Object.entries(versions)) {
    if (!own.includes(balance_id)) return { kind: 'foreign_balance', field: 'expected_versions', balance_id };
    const actual = states.get(balance_id)!.version;
    if (actual !== expected) return { kind: 'version', balance_id, expected, actual };
  }
  return null;
}

/** The first failed condition among `balance_bounds` on the states after posting, or null. */
export function checkBounds(
  bounds: Readonly<Record<string, BalanceBound>>,
  states: ReadonlyMap<string, BalanceState>,
  own: readonly string[],
): ConditionFailure | null {
  for (const [balance_id, { min, max }] of Object.entries(bounds)) {
    if (!own.includes(balance_id)) return { kind: 'foreign_balance', field: 'balance_bounds', balance_id };
    const resulting = states.get(balance_id)!.balance;
    if (min !== null && resulting < min) return { kind: 'bound', balance_id, side: 'min', bound: min, resulting };
    if (max !== null && resulting > max) return { kind: 'bound', balance_id, side: 'max', bound: max, resulting };
  }
  return null;
}

/** The failure in words (an API error's message, a REJECTED outcome's reason, a preview's). */
export function conditionText(failure: ConditionFailure): string {
  switch (failure.kind) {
    case 'version':
      return `balance ${failure.balance_id} is at version ${failure.actual}, not the expected ${failure.expected}`;
    case 'bound':
      return `balance ${failure.balance_id} would be ${failure.resulting}, ${failure.side === 'min' ? 'below its min' : 'above its max'} ${failure.bound}`;
    case 'foreign_balance':
      return `${failure.field}: balance ${failure.balance_id} is not a source or destination of this transaction`;
  }
}

/** The skip_queue answer: 409 for a version or a bound that does not hold, 400 for a foreign balance. */
export function conditionError(failure: ConditionFailure): ApiError {
  const message = conditionText(failure);
  if (failure.kind === 'version') return new ApiError('TXN_VERSION_MISMATCH', message);
  if (failure.kind === 'bound') return new ApiError('TXN_BALANCE_OUT_OF_BOUNDS', message);
  return new ApiError('TXN_VALIDATION_ERROR', message, { legacyKey: 'errors' });
}
