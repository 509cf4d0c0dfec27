// The posting pipeline every path that moves money runs: lock the balances (in id order), read what
// the funds check needs, apply the units in memory (ledger/apply-units.ts), write the changed
// balances and their monitor events. Callers differ only in how they build units and which rows they
// write after; the dry runs share the middle step on share-locked reads (preview/working-set.ts).
import type { Queryable } from '../../db/database.js';
import { queuedDebits, writeBalances } from '../../db/balances.js';
import { lockBalances } from '../../db/locks.js';
import type { BalanceState } from '../../ledger/records.js';
import { applyUnits, type ApplyPolicy, type ApplyResult, type Leg, type WorkingBalances } from '../../ledger/apply-units.js';
import { evaluateMonitors } from '../features/monitors.js';

/** The caller sets the lock timeout (db/locks.ts) when its transaction starts, before any lock. */
export interface PipelineOptions {
  /** Counts the sources' queued debits in the funds check (blnk-contract.md ledger §2.2). */
  enable_queued_checks: boolean;
}

/**
 * Locks `balance_ids` (in id order) and reads the queued debits of `queued_sources` (one statement
 * each), so the funds check needs nothing more from the database.
 */
export async function lockWorking(
  tx: Queryable,
  balance_ids: readonly string[],
  queued_sources: readonly string[] = [],
): Promise<LockedBalances> {
  const states = await lockBalances(tx, balance_ids);
  const initial = new Map([...states].map(([id, state]) => [id, { ...state }]));
  if (queued_sources.length === 0) return { states, initial };
  return { states, initial, queued_debits: await queuedDebits(tx, queued_sources) };
}

/** Balances as locked, and as the units leave them. */
export interface LockedBalances extends WorkingBalances {
  /** The states read under the locks, before any unit (what a crossing monitor compares with). */
  initial: ReadonlyMap<string, BalanceState>;
}

/** Writes the balances `changed` names and records the monitor events their changes raise. */
export async function writeWorking(tx: Queryable, working: LockedBalances, changed: Iterable<string>): Promise<void> {
  const states = [...changed].map((balance_id) => working.states.get(balance_id)!);
  await writeBalances(tx, states);
  await evaluateMonitors(
    tx,
    states.map((after) => ({ before: working.initial.get(after.balance_id), after })),
  );
}

/** Lock, check, apply and write `units` inside `tx`; the caller writes the transaction rows. */
export async function postUnits<R>(
  tx: Queryable,
  units: readonly (readonly Leg[])[],
  policy: ApplyPolicy<R>,
  options: PipelineOptions,
): Promise<ApplyResult<R>> {
  const legs = units.flat();
  const working = await lockWorking(
    tx,
    legs.flatMap((leg) => [leg.source, leg.destination, ...((leg.kind === 'post' && leg.conditions?.own) || [])]),
    options.enable_queued_checks ? legs.filter((leg) => leg.kind === 'post').map((leg) => leg.source) : [],
  );
  const result = applyUnits(working, units, policy);
  await writeWorking(tx, working, result.changed);
  return result;
}
