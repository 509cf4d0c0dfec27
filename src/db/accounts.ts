import type { Queryable } from './database.js';
import { selectFiltered } from './filters.js';
import type { FilterRequest } from '../filters/language.js';

export interface AccountRow {
  account_id: string;
  name: string;
  number: string;
  bank_name: string;
  currency: string;
  balance_id: string;
  identity_id: string;
  ledger_id: string;
  created_at: string;
  meta_data: Record<string, unknown> | null;
}

const FIELDS = [
  'account_id',
  'name',
  'number',
  'bank_name',
  'currency',
  'balance_id',
  'identity_id',
  'ledger_id',
  'meta_data',
] as const;
const COLUMNS = [...FIELDS, 'created_at'].join(', ');

/** A repeated `number` raises the unique violation of `accounts_number_key`. */
export async function insertAccount(db: Queryable, account: Omit<AccountRow, 'created_at'>): Promise<AccountRow> {
  const rows = await db.query<AccountRow>(
    `INSERT INTO accounts (${FIELDS.join(', ')}) VALUES (${FIELDS.map((_, i) => `$${i + 1}`).join(', ')})
     RETURNING ${COLUMNS}`,
    FIELDS.map((field) => account[field]),
  );
  return rows[0];
}

export async function findAccount(db: Queryable, account_id: string): Promise<AccountRow | undefined> {
  const rows = await db.query<AccountRow>(`SELECT ${COLUMNS} FROM accounts WHERE account_id = $1`, [account_id]);
  return rows[0];
}

export async function listAccounts(db: Queryable): Promise<AccountRow[]> {
  return db.query<AccountRow>(`SELECT ${COLUMNS} FROM accounts ORDER BY created_at DESC, account_id`);
}

export async function filterAccounts(
  db: Queryable,
  request: FilterRequest,
): Promise<{ rows: AccountRow[]; total_count?: number }> {
  const { rows, total_count } = await selectFiltered(db, 'accounts', COLUMNS, request);
  return { rows: rows as unknown as AccountRow[], total_count };
}
