import type { Queryable } from './database.js';
import type { BalanceMonitorRow } from '../ledger/records.js';

/** What a create or an update writes. */
export type MonitorValues = Omit<BalanceMonitorRow, 'monitor_id' | 'created_at'>;

const COLUMNS =
  'monitor_id, balance_id, field, operator, value, precision, precise_value, description, call_back_url, trigger_mode, created_at';

function toRow(raw: Record<string, unknown>): BalanceMonitorRow {
  return { ...(raw as unknown as BalanceMonitorRow), precise_value: BigInt(raw.precise_value as string) };
}

/** $1 = monitor_id, then $2..$10 in the column order both statements use. */
function monitorParams(monitor_id: string, monitor: MonitorValues): unknown[] {
  return [
    monitor_id,
    monitor.balance_id,
    monitor.field,
    monitor.operator,
    monitor.value,
    monitor.precision,
    monitor.precise_value,
    monitor.description,
    monitor.call_back_url,
    monitor.trigger_mode,
  ];
}

export async function insertMonitor(db: Queryable, monitor_id: string, monitor: MonitorValues): Promise<BalanceMonitorRow> {
  const rows = await db.query(
    `INSERT INTO balance_monitors (monitor_id, balance_id, field, operator, value, precision, precise_value, description,
       call_back_url, trigger_mode)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ${COLUMNS}`,
    monitorParams(monitor_id, monitor),
  );
  return toRow(rows[0]);
}

export async function findMonitor(db: Queryable, monitor_id: string): Promise<BalanceMonitorRow | undefined> {
  const rows = await db.query(`SELECT ${COLUMNS} FROM balance_monitors WHERE monitor_id = $1`, [monitor_id]);
  return rows[0] && toRow(rows[0]);
}

/** Every monitor, newest first. */
export async function listMonitors(db: Queryable): Promise<BalanceMonitorRow[]> {
  const rows = await db.query(`SELECT ${COLUMNS} FROM balance_monitors ORDER BY created_at DESC, monitor_id`);
  return rows.map(toRow);
}

/** The monitors watching any of `balance_ids`, oldest first. */
export async function monitorsOfBalances(db: Queryable, balance_ids: readonly string[]): Promise<BalanceMonitorRow[]> {
  if (balance_ids.length === 0) return [];
  const rows = await db.query(
    `SELECT ${COLUMNS} FROM balance_monitors WHERE balance_id = ANY($1::text[]) ORDER BY created_at, monitor_id`,
    [balance_ids],
  );
  return rows.map(toRow);
}

export async function updateMonitor(
  db: Queryable,
  monitor_id: string,
  monitor: MonitorValues,
): Promise<BalanceMonitorRow | undefined> {
  const rows = await db.query(
    `UPDATE balance_monitors
     SET balance_id = $2, field = $3, operator = $4, value = $5, precision = $6, precise_value = $7, description = $8,
         call_back_url = $9, trigger_mode = $10
     WHERE monitor_id = $1 RETURNING ${COLUMNS}`,
    monitorParams(monitor_id, monitor),
  );
  return rows[0] && toRow(rows[0]);
}

export async function deleteMonitor(db: Queryable, monitor_id: string): Promise<boolean> {
  const rows = await db.query('DELETE FROM balance_monitors WHERE monitor_id = $1 RETURNING monitor_id', [monitor_id]);
  return rows.length > 0;
}
