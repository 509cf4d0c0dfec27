// What a new balance may be (blnk-contract.md ledger §3): an indicator only in the General Ledger and shaped
// `@name`, fund lineage only with an identity, and an allocation strategy Blnk knows.
import { ApiError } from '../errors.js';

/** The ledger of `@indicator` balances, created with the database. */
export const GENERAL_LEDGER_ID = 'general_ledger_id';
const ALLOCATION_STRATEGIES = ['FIFO', 'LIFO', 'PROPORTIONAL'];

export interface BalanceRequest {
  ledger_id: string;
  currency: string;
  indicator: string | null;
  identity_id: string | null;
  track_fund_lineage: boolean;
  /** As sent (any case, blank for the default). */
  allocation_strategy: string;
}

const invalid = (message: string) => new ApiError('BAL_VALIDATION_ERROR', message, { legacyKey: 'errors' });

/** Refuses a balance Blnk refuses, in Blnk's words; the allocation strategy as stored. */
export function checkBalanceRequest(request: BalanceRequest): { allocation_strategy: string } {
  const { indicator } = request;
  if (indicator !== null) {
    if (request.ledger_id !== GENERAL_LEDGER_ID) {
      throw invalid('indicator is only allowed for General Ledger balances (ledger_id = general_ledger_id)');
    }
    if (!/^@\S+$/.test(indicator)) throw invalid("indicator must start with '@' and contain no whitespace (e.g. '@cash')");
  }
  if (request.track_fund_lineage && !request.identity_id) {
    throw invalid('identity_id is required when track_fund_lineage is enabled');
  }
  const allocation_strategy = request.allocation_strategy.trim().toUpperCase() || 'FIFO';
  if (!ALLOCATION_STRATEGIES.includes(allocation_strategy)) {
    throw invalid('allocation_strategy must be one of: FIFO, LIFO, PROPORTIONAL');
  }
  return { allocation_strategy };
}
