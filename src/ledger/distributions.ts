// Splitting one transaction over several sources or destinations (blnk-contract.md ledger §6.1), in exact
// integer arithmetic. Kassa's rules on top of Blnk's (spec README, deviations): legs pair with the
// entries in array order, and a split that over-allocates or repeats an identifier is refused.
import { ApiError } from '../errors.js';

/** One `sources[]` / `destinations[]` entry as the client sent it. */
export interface DistributionInput {
  identifier?: unknown;
  distribution?: unknown;
  precise_distribution?: unknown;
}

/** The amount each entry receives, in the entries' order (0 = no leg for that entry). */
export interface SplitLeg {
  identifier: string;
  precise_amount: bigint;
}

type Share =
  | { kind: 'fixed'; numerator: bigint; denominator: bigint }
  | { kind: 'percent'; numerator: bigint; denominator: bigint }
  | { kind: 'left' };

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;
const INTEGER = /^\d+$/;

export function splitError(reason: string): ApiError {
  return new ApiError('TXN_VALIDATION_ERROR', `failed to split transaction: ${reason}`);
}

/** `"12.345"` -> 12345 / 1000. */
function parseDecimal(text: string): { numerator: bigint; denominator: bigint } | undefined {
  const match = DECIMAL.exec(text);
  if (!match) return undefined;
  const fraction = match[2] ?? '';
  return { numerator: BigInt(match[1] + fraction), denominator: 10n ** BigInt(fraction.length) };
}

function parseShare(entry: DistributionInput, precision: bigint): Share {
  const precise = entry.precise_distribution;
  if (precise !== undefined && precise !== null && precise !== '') {
    const text =
      typeof precise === 'string'
        ? precise.trim()
        : typeof precise === 'number' || typeof precise === 'bigint'
          ? String(precise)
          : '';
    if (text === 'left') return { kind: 'left' };
    if (!INTEGER.test(text)) {
      throw splitError('invalid precise_distribution format: must be an integer value in minor units');
    }
    return { kind: 'fixed', numerator: BigInt(text), denominator: 1n };
  }
  const text = typeof entry.distribution === 'string' ? entry.distribution.trim() : '';
  if (text === 'left') return { kind: 'left' };
  if (text.endsWith('%')) {
    const percent = parseDecimal(text.slice(0, -1).trim());
    if (!percent) throw splitError('invalid percentage format');
    return { kind: 'percent', ...percent };
  }
  const amount = parseDecimal(text);
  if (!amount) throw splitError('invalid fixed amount format');
  return { kind: 'fixed', numerator: amount.numerator * precision, denominator: amount.denominator };
}

/** Index of the largest amount; ties go to the later entry. */
function largest(amounts: readonly bigint[], among: readonly number[]): number {
  let best = among[0];
  for (const index of among) if (amounts[index] >= amounts[best]) best = index;
  return best;
}

/**
 * Splits `total` minor units over `entries`. `precision` converts fixed `distribution` amounts
 * (major units) to minor units. The legs always sum to `total` exactly and none is negative.
 */
export function splitAmount(total: bigint, precision: bigint, entries: readonly DistributionInput[]): SplitLeg[] {
  if (total < 0n) throw splitError('transaction amount cannot be negative');
  if (precision < 1n) throw splitError('precision must be positive');
  if (entries.length === 0) throw splitError('no distributions given');

  const identifiers = entries.map((entry) => (typeof entry?.identifier === 'string' ? entry.identifier.trim() : ''));
  const seen = new Set<string>();
  for (const identifier of identifiers) {
    if (identifier === '') throw splitError('every distribution needs an identifier');
    if (seen.has(identifier)) throw splitError(`identifier '${identifier}' appears more than once`);
    seen.add(identifier);
  }
  const shares = entries.map((entry) => parseShare(entry ?? {}, precision));

  // Every share as a fraction over one common denominator, so sums are exact integers.
  const denominator =
    100n * shares.reduce((max, share) => (share.kind !== 'left' && share.denominator > max ? share.denominator : max), 1n);
  const exact = shares.map((share) => {
    if (share.kind === 'fixed') return (share.numerator * denominator) / share.denominator;
    if (share.kind === 'percent') return (total * share.numerator * denominator) / (share.denominator * 100n);
    return 0n;
  });

  const totalScaled = total * denominator;
  let remaining = totalScaled;
  for (let i = 0; i < shares.length; i++) {
    if (shares[i].kind !== 'fixed') continue;
    if (exact[i] > remaining) throw splitError('fixed amount exceeds remaining transaction amount');
    remaining -= exact[i];
  }
  const percentScaled = shares.reduce(
    (sum, share) => (share.kind === 'percent' ? sum + (share.numerator * denominator) / share.denominator : sum),
    0n,
  );
  const allocated = exact.reduce((sum, value) => sum + value, 0n);
  if (percentScaled > 100n * denominator || allocated > totalScaled) {
    throw splitError('total distributions exceed 100% or total amount');
  }

  if (total === 0n) return identifiers.map((identifier) => ({ identifier, precise_amount: 0n }));
  if (total === 1n) {
    return identifiers.map((identifier, i) => ({ identifier, precise_amount: i === 0 ? 1n : 0n }));
  }

  // A percentage share worth less than one minor unit becomes 0; what it loses goes to the
  // largest percentage share, so the percentages still sum to T × Σ% / 100.
  const percentIndexes = shares.flatMap((share, i) => (share.kind === 'percent' ? [i] : []));
  let dust = 0n;
  for (const i of percentIndexes) {
    if (exact[i] > 0n && exact[i] < denominator) {
      dust += exact[i];
      exact[i] = 0n;
    }
  }
  if (dust > 0n) exact[largest(exact, percentIndexes)] += dust;
  for (const i of percentIndexes) remaining -= exact[i];

  const amounts = exact.map((value) => value / denominator);
  const firstLeft = shares.findIndex((share) => share.kind === 'left');
  if (firstLeft >= 0) amounts[firstLeft] = remaining / denominator;

  // Truncation dust, or an allocation below 100% without `left`, goes to the largest leg.
  const difference = total - amounts.reduce((sum, value) => sum + value, 0n);
  if (difference < 0n) throw new Error('split invariant broken: legs exceed the total');
  if (difference > 0n)
    amounts[
      largest(
        amounts,
        identifiers.map((_, i) => i),
      )
    ] += difference;
  return identifiers.map((identifier, i) => ({ identifier, precise_amount: amounts[i] }));
}
