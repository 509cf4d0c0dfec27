// Balance monitors are evaluated inside the database transaction that changes the balances, so a
// `balance.monitor` event exists exactly when the change that triggered it does (blnk-contract.md ledger §9:
// level-triggered, one event per monitor whose condition holds after the change; Kassa's `crossing`
// monitors only when the change made it hold).
import type { Queryable } from '../../db/database.js';
import { monitorsOfBalances } from '../../db/balance-monitors.js';
import { recordEvents, type PendingEvent } from '../../events/outbox.js';
import { conditionHolds, type MonitorField } from '../../ledger/monitor-condition.js';
import { monitorView } from '../../views/monitor.js';
import type { BalanceMonitorRow } from '../../ledger/records.js';

/** A balance's state: its id and the six money fields. */
export type MonitoredBalance = { balance_id: string } & Record<MonitorField, bigint>;

/** A balance before and after a change (before absent: judged on `after` alone, as `level`). */
export interface BalanceChange {
  before?: MonitoredBalance;
  after: MonitoredBalance;
}

/**
 * Records one `balance.monitor` event per monitor of a changed balance whose condition holds after
 * the change; a `crossing` monitor only when it did not hold before.
 */
export async function evaluateMonitors(tx: Queryable, changes: Iterable<BalanceChange>): Promise<number> {
  const byId = new Map<string, BalanceChange>();
  for (const change of changes) byId.set(change.after.balance_id, change);
  const monitors = await monitorsOfBalances(tx, [...byId.keys()]);
  const holds = (monitor: BalanceMonitorRow, balance: MonitoredBalance | undefined) =>
    balance !== undefined && conditionHolds(balance[monitor.field], monitor.operator, monitor.precise_value);
  const events: PendingEvent[] = monitors
    .filter((monitor) => {
      const { before, after } = byId.get(monitor.balance_id)!;
      return holds(monitor, after) && !(monitor.trigger_mode === 'crossing' && holds(monitor, before));
    })
    .map((monitor) => ({ event: 'balance.monitor', data: monitorView(monitor) }));
  await recordEvents(tx, events);
  return events.length;
}
