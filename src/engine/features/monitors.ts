// Balance monitors are evaluated inside the database transaction that changes the balances, so a
// `balance.monitor` event exists exactly when the change that triggered it does (blnk-ledger.md §9:
// level-triggered, one event per monitor whose condition holds after the change).
import type { Queryable } from '../../db/database.js';
import { monitorsOfBalances } from '../../db/balance-monitors.js';
import { recordEvents, type PendingEvent } from '../../events/outbox.js';
import { conditionHolds, type MonitorField } from '../../ledger/monitor-condition.js';
import { monitorView } from '../../views/monitor.js';

/** A balance's state after a change: its id and the six money fields. */
export type MonitoredBalance = { balance_id: string } & Record<MonitorField, bigint>;

/** Records one `balance.monitor` event per monitor of `changed` whose condition holds. */
export async function evaluateMonitors(tx: Queryable, changed: Iterable<MonitoredBalance>): Promise<number> {
  const byId = new Map<string, MonitoredBalance>();
  for (const balance of changed) byId.set(balance.balance_id, balance);
  const monitors = await monitorsOfBalances(tx, [...byId.keys()]);
  const events: PendingEvent[] = monitors
    .filter((monitor) => conditionHolds(byId.get(monitor.balance_id)![monitor.field], monitor.operator, monitor.precise_value))
    .map((monitor) => ({ event: 'balance.monitor', data: monitorView(monitor) }));
  await recordEvents(tx, events);
  return events.length;
}
