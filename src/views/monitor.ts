// A balance monitor row -> Blnk's BalanceMonitor JSON (HTTP replies and `balance.monitor` events).
// `call_back_url` is stored but never shown, as in Blnk.
import type { BalanceMonitorRow } from '../ledger/records.js';

export function monitorView(row: BalanceMonitorRow): Record<string, unknown> {
  return {
    monitor_id: row.monitor_id,
    balance_id: row.balance_id,
    condition: {
      field: row.field,
      operator: row.operator,
      value: Number(row.value),
      precision: Number(row.precision),
      precise_value: row.precise_value,
    },
    description: row.description,
    // Kassa's own, shown only when chosen: a Blnk client sees Blnk's shape.
    ...(row.trigger_mode === 'crossing' && { trigger: row.trigger_mode }),
    created_at: row.created_at,
  };
}
