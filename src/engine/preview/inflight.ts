// Dry runs of commits and voids (blnk-contract.md ledger §8.4): PUT /transactions/inflight/:id and the two
// bulk inflight endpoints. The settlement plan is the real one (`planGroup`), the balance effect the
// real one (`applyUnits`); nothing is written or queued.
import type { Database, Queryable } from '../../db/database.js';
import { findHolds, groupExists, settledAmounts, type SettledAmounts } from '../../db/holds.js';
import { requestedActionPending } from '../../db/preview-reads.js';
import type { TransactionRow } from '../../ledger/records.js';
import { ApiError } from '../../errors.js';
import { notInflight, planGroup, type HoldLeg, type InflightAction } from '../../ledger/inflight.js';
import { toAmount } from '../../ledger/money.js';
import {
  finishPreview,
  projectLeg,
  rejectionOf,
  type BulkPreview,
  type Scope,
  type TransactionPreview,
} from '../../ledger/preview.js';
import { alreadyQueued, transactionNotFound } from '../features/inflight.js';
import { loadWorkingSet, runPreview, type LoadedSet, type PreviewOptions } from './working-set.js';

export const NOTE_VOID_AMOUNT = 'amount is ignored when voiding; a void always releases the full remaining hold';
export const NOTE_PENDING_HOLD =
  'the hold is still queued: the commit or void is accepted now and settled once the worker has placed the hold';
export const NOTE_INDEPENDENT_SETTLEMENTS =
  'skip_queue is false: each commit or void is queued and settled on its own, so each is projected against current balances';

export interface SettlementRequest {
  id: string;
  action: InflightAction;
  /** null: the whole remaining hold. */
  requested: bigint | null;
  /** An amount was sent (a void ignores it). */
  amount_sent: boolean;
  /** The request's own refusal (a bad amount), found before any reading. */
  error?: ApiError;
}

type Target = { legs: TransactionRow[] } | { pending: TransactionRow[] } | ApiError;

interface Context {
  loaded: LoadedSet;
  targets: Map<string, Target>;
  settled: Map<string, SettledAmounts>;
  /** Ids with a requested action waiting for the worker. */
  queued: Set<string>;
  skip_queue: boolean;
  /** The per-item code of a refusal (the bulk endpoints answer with their own codes). */
  codeOf: (error: ApiError) => string;
}

async function targetOf(tx: Queryable, id: string): Promise<Target> {
  const { legs, pending } = await findHolds(tx, id);
  if (legs.length > 0) return { legs };
  if (pending.length > 0) return { pending };
  return (await groupExists(tx, id)) ? notInflight() : transactionNotFound();
}

async function contextFor(
  tx: Queryable,
  requests: readonly SettlementRequest[],
  skip_queue: boolean,
  codeOf: (error: ApiError) => string,
  options: PreviewOptions,
): Promise<Context> {
  const targets = new Map<string, Target>();
  const queued = new Set<string>();
  for (const { id } of requests) {
    if (targets.has(id)) continue;
    targets.set(id, await targetOf(tx, id));
    if (!skip_queue && (await requestedActionPending(tx, id))) queued.add(id);
  }
  const legs = [...targets.values()].flatMap((target) => ('legs' in target ? target.legs : []));
  const loaded = await loadWorkingSet(
    tx,
    legs.flatMap((leg) => [
      { identifier: leg.source!, currency: leg.currency },
      { identifier: leg.destination!, currency: leg.currency },
    ]),
    options,
  );
  const settled = await settledAmounts(tx, [...new Set(legs.map((leg) => leg.transaction_id))]);
  return { loaded, targets, settled, queued, skip_queue, codeOf };
}

function holdLeg(row: TransactionRow, settled: SettledAmounts | undefined): HoldLeg {
  return {
    transaction_id: row.transaction_id,
    currency: row.currency,
    precise_amount: row.precise_amount,
    precision: row.precision,
    committed: settled?.committed ?? 0n,
    voided: settled?.voided ?? 0n,
    has_void: settled?.has_void ?? false,
  };
}

function settlementShell(request: SettlementRequest): TransactionPreview {
  return {
    dry_run: true,
    would_apply: true,
    operation: request.action,
    status: request.action === 'commit' ? 'APPLIED' : 'VOID',
    currency: '',
    amount: toAmount(0n, 1n),
    precise_amount: '0',
    precision: 1n,
    balances: [],
    notes: [],
  };
}

function refuse(context: Context, preview: TransactionPreview, error: ApiError): TransactionPreview {
  preview.would_apply = false;
  preview.rejection = rejectionOf(error, context.codeOf(error));
  return finishPreview(preview);
}

function showTotal(preview: TransactionPreview, total: bigint): void {
  preview.precise_amount = total.toString();
  preview.amount = toAmount(total, preview.precision);
}

/** A hold still queued: a direct settlement needs it in place; a queued one waits for it (prevalidate). */
function projectOnPendingHold(
  context: Context,
  request: SettlementRequest,
  rows: readonly TransactionRow[],
  preview: TransactionPreview,
): TransactionPreview {
  if (context.skip_queue) return refuse(context, preview, notInflight());
  try {
    const plan = planGroup(
      rows.map((row) => holdLeg(row, undefined)),
      request.action,
      request.requested,
    );
    showTotal(
      preview,
      plan.reduce((sum, settlement) => sum + settlement.precise_amount, 0n),
    );
    preview.notes.push(NOTE_PENDING_HOLD);
    return finishPreview(preview);
  } catch (error) {
    if (error instanceof ApiError) return refuse(context, preview, error);
    throw error;
  }
}

/** Settles the planned amounts of `rows` in the working set; later items of a batch see them. */
function projectOnHeldLegs(
  context: Context,
  request: SettlementRequest,
  rows: readonly TransactionRow[],
  scope: Scope,
  preview: TransactionPreview,
): TransactionPreview {
  const { set, keyOf } = context.loaded;
  const keys = rows.map((row) => ({
    row,
    source: keyOf(row.source!, row.currency),
    destination: keyOf(row.destination!, row.currency),
  }));
  for (const { source, destination } of keys) {
    scope.touch(source, 'source');
    scope.touch(destination, 'destination');
  }
  let plan;
  try {
    plan = planGroup(
      rows.map((row) => holdLeg(row, context.settled.get(row.transaction_id))),
      request.action,
      request.requested,
    );
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    refuse(context, preview, error);
    preview.balances = scope.projections();
    return preview;
  }
  const byLeg = new Map(keys.map((entry) => [entry.row.transaction_id, entry]));
  for (const settlement of plan) {
    const { source, destination } = byLeg.get(settlement.leg.transaction_id)!;
    // planGroup has refused whatever may not be settled: the leg always applies.
    projectLeg(set, scope, { kind: 'settle', source, destination, action: request.action, amount: settlement.precise_amount });
    const settled = context.settled.get(settlement.leg.transaction_id)!;
    if (request.action === 'commit') settled.committed += settlement.precise_amount;
    else {
      settled.voided += settlement.precise_amount;
      settled.has_void = true;
    }
  }
  if (plan.length > 1) {
    preview.legs = plan.map((settlement) => ({
      identifier: settlement.leg.transaction_id,
      role: 'source' as const,
      precise_amount: settlement.precise_amount.toString(),
      amount: toAmount(settlement.precise_amount, settlement.leg.precision),
    }));
  }
  showTotal(
    preview,
    plan.reduce((sum, settlement) => sum + settlement.precise_amount, 0n),
  );
  preview.balances = scope.projections();
  return finishPreview(preview);
}

/** Projects one commit or void within `scope`; its settlements stay in the context (for a batch). */
function projectSettlement(context: Context, request: SettlementRequest, scope: Scope): TransactionPreview {
  const preview = settlementShell(request);
  if (request.action === 'void' && request.amount_sent) preview.notes.push(NOTE_VOID_AMOUNT);
  if (request.error) return refuse(context, preview, request.error);
  const target = context.targets.get(request.id)!;
  if (target instanceof ApiError) return refuse(context, preview, target);
  if (!context.skip_queue && context.queued.has(request.id)) return refuse(context, preview, alreadyQueued());
  const rows = 'legs' in target ? target.legs : target.pending;
  preview.currency = rows[0].currency;
  preview.precision = rows[0].precision;
  if ('pending' in target) return projectOnPendingHold(context, request, rows, preview);
  return projectOnHeldLegs(context, request, rows, scope, preview);
}

export interface SettlementPreviewOptions extends PreviewOptions {
  skip_queue: boolean;
}

/** PUT /transactions/inflight/:id with `dry_run: true`. An unknown id is 404, as for real. */
export async function previewSettlement(
  db: Database,
  request: SettlementRequest,
  options: SettlementPreviewOptions,
): Promise<TransactionPreview> {
  if (request.error) throw request.error;
  return runPreview(db, options, async (tx) => {
    const context = await contextFor(tx, [request], options.skip_queue, (error) => error.code, options);
    const target = context.targets.get(request.id);
    if (target instanceof ApiError && target.code === 'TXN_NOT_FOUND') throw target;
    return projectSettlement(context, request, context.loaded.set.scope());
  });
}

/**
 * The bulk inflight endpoints with `dry_run: true`: every item gets a preview (a refusal is that
 * item's, with the bulk code), projected cumulatively in list order when skip_queue is set (the real
 * endpoint settles them one after another), else each against current balances.
 */
export async function previewBulkSettlements(
  db: Database,
  requests: readonly SettlementRequest[],
  codeOf: (error: ApiError) => string,
  options: SettlementPreviewOptions,
): Promise<BulkPreview> {
  const cumulative = options.skip_queue;
  const notes: string[] = [];
  if (!cumulative) notes.push(NOTE_INDEPENDENT_SETTLEMENTS);
  const ids = requests.map((request) => request.id);
  const repeated = [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))];
  if (repeated.length > 0) {
    notes.push(
      `duplicate ids in the list (${repeated.join(', ')}): ${cumulative ? 'each later one sees the earlier settlement' : 'each is projected on its own'}`,
    );
  }
  return runPreview(db, options, async (tx) => {
    const context = await contextFor(tx, requests, options.skip_queue, codeOf, options);
    const { set } = context.loaded;
    const initial = new Map([...context.settled].map(([id, settled]) => [id, { ...settled }]));
    const results = requests.map((request) => {
      const scope = set.scope();
      const result = projectSettlement(context, request, scope);
      if (!cumulative) {
        scope.restore();
        for (const [id, settled] of initial) context.settled.set(id, { ...settled });
      }
      return result;
    });
    const preview: BulkPreview = {
      dry_run: true,
      would_apply: results.every((result) => result.would_apply),
      cumulative,
      atomic: false,
      results,
      notes,
    };
    if (cumulative) preview.balances = set.all.projections();
    return preview;
  });
}
