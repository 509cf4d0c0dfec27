// Balance monitors as the routes use them (blnk-contract.md ledger §1.3): stored, listed, read, changed and
// deleted; a monitor of an unknown balance is Blnk's 400 `Invalid balance ID`.
import {
  deleteMonitor,
  findMonitor,
  insertMonitor,
  listMonitors,
  monitorsOfBalances,
  updateMonitor,
  type MonitorValues,
} from '../db/balance-monitors.js';
import { isSqlError, SQLSTATE, type Database } from '../db/database.js';
import { ApiError } from '../errors.js';
import { newId } from '../ids.js';
import type { BalanceMonitorRow } from '../ledger/records.js';

export type { MonitorValues };

const notFound = () => new ApiError('BAL_MONITOR_NOT_FOUND', 'balance monitor not found');

function invalidBalance(error: unknown): never {
  if (isSqlError(error, SQLSTATE.foreignKeyViolation)) throw new ApiError('GEN_BAD_REQUEST', 'Invalid balance ID');
  throw error;
}

export class BalanceMonitors {
  constructor(private readonly db: Database) {}

  create(values: MonitorValues): Promise<BalanceMonitorRow> {
    return insertMonitor(this.db, newId('mon'), values).catch(invalidBalance);
  }

  list(): Promise<BalanceMonitorRow[]> {
    return listMonitors(this.db);
  }

  ofBalance(balance_id: string): Promise<BalanceMonitorRow[]> {
    return monitorsOfBalances(this.db, [balance_id]);
  }

  async read(monitor_id: string): Promise<BalanceMonitorRow> {
    const monitor = await findMonitor(this.db, monitor_id);
    if (!monitor) throw notFound();
    return monitor;
  }

  /** Changes a monitor to what `change` makes of the stored one (read and written in one transaction). */
  update(monitor_id: string, change: (stored: BalanceMonitorRow) => MonitorValues): Promise<void> {
    return this.db.transaction(async (tx) => {
      const stored = await findMonitor(tx, monitor_id);
      if (!stored) throw notFound();
      await updateMonitor(tx, stored.monitor_id, change(stored)).catch(invalidBalance);
    });
  }

  async delete(monitor_id: string): Promise<void> {
    if (!(await deleteMonitor(this.db, monitor_id))) throw notFound();
  }
}
