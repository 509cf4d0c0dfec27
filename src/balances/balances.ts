// Balances as the routes use them: created (Blnk's rules, the row and its `balance.created` event in
// one database transaction), listed, read with what a caller asks to include, linked to an identity.
import { isSqlError, SQLSTATE, type Database } from '../db/database.js';
import {
  filterBalances,
  findBalance,
  findBalanceByIndicator,
  insertBalance,
  queuedAmounts,
  setBalanceIdentity,
  type BalanceRow,
} from '../db/balances.js';
import { balanceAt } from '../db/balance-snapshots.js';
import type { FilterRequest } from '../filters/language.js';
import { findIdentity, type IdentityRow } from '../db/identities.js';
import { findLedger, type LedgerRow } from '../db/ledgers.js';
import { ApiError } from '../errors.js';
import { recordEvent } from '../events/outbox.js';
import { balanceView } from '../views/entities.js';
import { newId } from '../ids.js';
import { checkBalanceRequest, type BalanceRequest } from '../ledger/balance-rules.js';

export const balanceNotFound = () => new ApiError('BAL_NOT_FOUND', 'balance not found');

/** A balance with what its reader asked to include. */
export interface BalanceRead {
  balance: BalanceRow;
  identity?: IdentityRow;
  ledger?: LedgerRow;
  queued?: Awaited<ReturnType<typeof queuedAmounts>>;
}

export class Balances {
  constructor(private readonly db: Database) {}

  /** The new balance's answer (what `balance.created` carries). */
  async create(request: BalanceRequest & { meta_data: Record<string, unknown> | null }): Promise<Record<string, unknown>> {
    const { allocation_strategy } = checkBalanceRequest(request);
    try {
      return await this.db.transaction(async (tx) => {
        const balance = balanceView(await insertBalance(tx, { ...request, balance_id: newId('bln'), allocation_strategy }));
        await recordEvent(tx, 'balance.created', balance);
        return balance;
      });
    } catch (error) {
      if (isSqlError(error, SQLSTATE.foreignKeyViolation)) throw new ApiError('GEN_BAD_REQUEST', 'Invalid ledger ID');
      if (isSqlError(error, SQLSTATE.uniqueViolation)) {
        throw new ApiError(
          'GEN_CONFLICT',
          `Balance already exists for indicator '${request.indicator}' and '${request.currency}'`,
        );
      }
      throw error;
    }
  }

  filter(request: FilterRequest): ReturnType<typeof filterBalances> {
    return filterBalances(this.db, request);
  }

  async read(balance_id: string, options: { identity: boolean; ledger: boolean; queued: boolean }): Promise<BalanceRead> {
    const balance = await findBalance(this.db, balance_id);
    if (!balance) throw balanceNotFound();
    const read: BalanceRead = { balance };
    if (options.identity && balance.identity_id) read.identity = await findIdentity(this.db, balance.identity_id);
    if (options.ledger) read.ledger = await findLedger(this.db, balance.ledger_id);
    if (options.queued) read.queued = await queuedAmounts(this.db, balance.balance_id);
    return read;
  }

  async readByIndicator(indicator: string, currency: string): Promise<BalanceRow> {
    const balance = await findBalanceByIndicator(this.db, indicator, currency);
    if (!balance) throw balanceNotFound();
    return balance;
  }

  /** The balance as it stood at `timestamp` (from snapshots, or replayed from its transactions). */
  async at(
    balance_id: string,
    timestamp: string,
    from_source: boolean,
  ): Promise<NonNullable<Awaited<ReturnType<typeof balanceAt>>>> {
    const found = await balanceAt(this.db, balance_id, timestamp, from_source);
    if (!found) throw balanceNotFound();
    return found;
  }

  async linkIdentity(balance_id: string, identity_id: string): Promise<void> {
    if (!(await findIdentity(this.db, identity_id))) throw new ApiError('IDT_NOT_FOUND', 'identity not found');
    if (!(await setBalanceIdentity(this.db, balance_id, identity_id))) throw balanceNotFound();
  }
}
