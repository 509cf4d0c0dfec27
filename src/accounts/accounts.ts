// Accounts (docs/blnk-contract.md "Accounts"): a bank account number attached to a balance. The
// balance decides the ledger, identity and currency; the name comes from the identity; the number
// from the request or, when configured, from the account-number service.
import { ApiError } from '../errors.js';
import { newId } from '../ids.js';
import { isSqlError, SQLSTATE, type Queryable } from '../db/database.js';
import { findAccount, insertAccount, type AccountRow } from '../db/accounts.js';
import { findBalance, type BalanceRow } from '../db/balances.js';
import { findIdentity, type IdentityRow } from '../db/identities.js';
import { findLedger, type LedgerRow } from '../db/ledgers.js';
import { requestAccountNumber, type AccountNumberService } from './number-service.js';

export interface AccountRequest {
  bank_name: string;
  number: string;
  currency: string;
  identity_id: string;
  ledger_id: string;
  balance_id: string;
  meta_data: Record<string, unknown> | null;
}

export type AccountInclude = 'balance' | 'identity' | 'ledger';

export interface AccountWithIncludes {
  account: AccountRow;
  balance?: BalanceRow;
  identity?: IdentityRow;
  ledger?: LedgerRow;
}

/** Blnk's name rule: an organization's name, otherwise "<first_name> <last_name>". */
export function accountName(identity: IdentityRow): string {
  return identity.identity_type === 'organization' ? identity.organization_name : `${identity.first_name} ${identity.last_name}`;
}

const notFound = (what: string, id: string) => new ApiError('GEN_NOT_FOUND', `${what} with ID '${id}' not found`);

/**
 * Blnk's steps in its order: the balance (always looked up, so it is required in effect), the
 * identity's name, then the number service (outside any database transaction), then the insert.
 */
export async function createAccount(
  db: Queryable,
  request: AccountRequest,
  numberService: AccountNumberService | undefined,
): Promise<AccountRow> {
  const balance = await findBalance(db, request.balance_id);
  if (!balance) throw notFound('Balance', request.balance_id);
  const identity_id = balance.identity_id || request.identity_id;
  const identity = await findIdentity(db, identity_id);
  if (!identity) throw notFound('Identity', identity_id);
  let { number, bank_name } = request;
  if (numberService) {
    const generated = await requestAccountNumber(numberService);
    if (generated.account_number !== '' && generated.bank_name !== '') {
      number = generated.account_number;
      bank_name = generated.bank_name;
    }
  }
  const row = {
    account_id: newId('acc'),
    name: accountName(identity),
    number,
    bank_name,
    currency: balance.currency || request.currency,
    balance_id: balance.balance_id,
    identity_id,
    ledger_id: balance.ledger_id || request.ledger_id,
    meta_data: request.meta_data,
  };
  try {
    return await insertAccount(db, row);
  } catch (error) {
    if (isSqlError(error, SQLSTATE.uniqueViolation)) {
      throw new ApiError('ACC_DUPLICATE', `an account with number '${number}' already exists`);
    }
    // the identity was deleted between the lookup and the insert
    if (isSqlError(error, SQLSTATE.foreignKeyViolation)) throw notFound('Identity', identity_id);
    throw error;
  }
}

/** The account and the objects `include` names (repeatable: balance, identity, ledger). */
export async function readAccount(db: Queryable, account_id: string, include: readonly string[]): Promise<AccountWithIncludes> {
  const account = await findAccount(db, account_id);
  if (!account) throw new ApiError('ACC_NOT_FOUND', `account with ID '${account_id}' not found`);
  const result: AccountWithIncludes = { account };
  if (include.includes('balance')) result.balance = await findBalance(db, account.balance_id);
  if (include.includes('identity')) result.identity = await findIdentity(db, account.identity_id);
  if (include.includes('ledger')) result.ledger = await findLedger(db, account.ledger_id);
  return result;
}

/** Reading accounts in bulk needs no rule of its own: the table's queries, as the routes use them. */
export { filterAccounts, listAccounts } from '../db/accounts.js';
