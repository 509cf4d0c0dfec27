import type { Queryable } from './database.js';
import { selectFiltered } from './filters.js';
import type { FilterRequest } from '../filters/language.js';

export interface LedgerRow {
  ledger_id: string;
  name: string;
  created_at: string;
  meta_data: Record<string, unknown> | null;
}

const COLUMNS = 'ledger_id, name, created_at, meta_data';

export async function insertLedger(
  db: Queryable,
  ledger: { ledger_id: string; name: string; meta_data: Record<string, unknown> | null },
): Promise<LedgerRow> {
  const rows = await db.query<LedgerRow>(
    `INSERT INTO ledgers (ledger_id, name, meta_data) VALUES ($1, $2, $3) RETURNING ${COLUMNS}`,
    [ledger.ledger_id, ledger.name, ledger.meta_data],
  );
  return rows[0];
}

export async function findLedger(db: Queryable, ledger_id: string): Promise<LedgerRow | undefined> {
  const rows = await db.query<LedgerRow>(`SELECT ${COLUMNS} FROM ledgers WHERE ledger_id = $1`, [ledger_id]);
  return rows[0];
}

export async function filterLedgers(db: Queryable, request: FilterRequest): Promise<{ rows: LedgerRow[]; total_count?: number }> {
  const { rows, total_count } = await selectFiltered(db, 'ledgers', COLUMNS, request);
  return { rows: rows as unknown as LedgerRow[], total_count };
}

export async function renameLedger(db: Queryable, ledger_id: string, name: string): Promise<LedgerRow | undefined> {
  const rows = await db.query<LedgerRow>(`UPDATE ledgers SET name = $2 WHERE ledger_id = $1 RETURNING ${COLUMNS}`, [
    ledger_id,
    name,
  ]);
  return rows[0];
}
