// What a commit or void asks for (blnk-contract.md ledger §4.3-4.5): the action, and an amount given as
// `precise_amount` (a positive integer; Blnk's SDK may send it as an integer string) or `amount`
// (converted later with the hold's own precision). Neither, or 0, settles the whole remaining hold.
import { ApiError } from '../errors.js';
import { invalidStatusAction, preciseAmountNotPositive, type InflightAction } from './inflight.js';

export const malformed = (message = 'Invalid request body') => new ApiError('GEN_MALFORMED_REQUEST', message);

export interface SettlementAmounts {
  /** `precise_amount` if sent, else null. */
  precise: bigint | null;
  /** `amount`, 0 when absent. */
  amount: number;
  /** An amount was sent (a void ignores it). */
  sent: boolean;
}

export function parseAction(value: unknown): InflightAction {
  if (value === undefined || value === null || value === '') throw malformed('status is required');
  if (value === 'commit' || value === 'void') return value;
  throw invalidStatusAction();
}

function parsePreciseAmount(value: unknown): bigint | null {
  if (value === undefined || value === null) return null;
  let precise: bigint;
  if (typeof value === 'bigint') precise = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) precise = BigInt(value);
  else if (typeof value === 'string' && /^-?\d+$/.test(value)) precise = BigInt(value);
  else throw malformed('precise_amount must be an integer');
  if (precise <= 0n) throw preciseAmountNotPositive();
  return precise;
}

function parseAmount(value: unknown): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'bigint') return Number(value);
  throw malformed('amount must be a number');
}

/** The amounts of one item (a request body, or an item of a bulk commit). */
export function parseSettlementAmounts(item: Record<string, unknown>): SettlementAmounts {
  const precise = parsePreciseAmount(item.precise_amount);
  const amount = parseAmount(item.amount);
  const sent =
    (item.precise_amount !== undefined && item.precise_amount !== null) ||
    (item.amount !== undefined && item.amount !== null && item.amount !== 0);
  return { precise, amount, sent };
}
