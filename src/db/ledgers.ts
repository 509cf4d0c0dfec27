import type { Queryable } from './database.js';

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

export async function listLedgers(db: Queryable, page: { limit: number; offset: number }): Promise<LedgerRow[]> {
  return db.query<LedgerRow>(`SELECT ${COLUMNS} FROM ledgers ORDER BY created_at DESC, ledger_id LIMIT $1 OFFSET $2`, [
    page.limit,
    page.offset,
  ]);
}

export async function renameLedger(db: Queryable, ledger_id: string, name: string): Promise<LedgerRow | undefined> {
  const rows = await db.query<LedgerRow>(`UPDATE ledgers SET name = $2 WHERE ledger_id = $1 RETURNING ${COLUMNS}`, [
    ledger_id,
    name,
  ]);
  return rows[0];
}
