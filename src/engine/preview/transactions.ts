// Dry runs of new transactions (blnk-contract.md ledger §8.4): POST /transactions (single and splits) and
// POST /transactions/bulk. Nothing is written, queued or announced, no reference is consumed and no
// indicator created; the projection uses the posting rule and split plan of the real paths.
import type { BalanceState } from '../../ledger/records.js';
import type { Database, Queryable } from '../../db/database.js';
import { ApiError } from '../../errors.js';
import {
  finishPreview,
  projectLeg,
  rejectionOf,
  type BulkPreview,
  type PreviewRejection,
  type Scope,
  type TransactionPreview,
} from '../../ledger/preview.js';
import type { TransactionRequest } from '../../ledger/transaction-request.js';
import { toAmount } from '../../ledger/money.js';
import { requestLegs, type PostLeg } from '../../ledger/apply-units.js';
import { hasConditions } from '../../ledger/posting-conditions.js';
import { previewTakenReferences } from '../accept/leg-references.js';
import { loadWorkingSet, runPreview, type LoadedSet, type PreviewOptions } from './working-set.js';
import { isSplit, planSplit } from '../features/splits.js';

export const NOTE_SCHEDULED = 'scheduled_for is ignored in a dry run; the projection shows the effect as if applied now';
export const NOTE_INDEPENDENT_LEGS =
  'skip_queue is false: legs are queued and applied independently, so each is projected on its own against current balances';
export const NOTE_INDEPENDENT_ITEMS =
  'skip_queue is false: items are queued and applied independently, so each is projected on its own against current balances';
export const NOTE_QUEUED_ATOMIC =
  'skip_queue is false but the batch is atomic: the worker applies its items as one group, in order, all or none, so they are projected cumulatively';
export const NOTE_RUN_ASYNC = 'run_async is ignored in a dry run; the projection is returned immediately';

/** The legs a request would post: itself, or its split legs (numbered as the real path numbers them). */
function legsOf(request: TransactionRequest): TransactionRequest[] {
  return isSplit(request) ? planSplit(request, request.skip_queue ? '-' : '_').map((leg) => leg.request) : [request];
}

/** The refusals a real post gives before touching balances, which a dry run gives too (4xx). */
export function refuseLikeRealPost(request: TransactionRequest): void {
  legsOf(request); // split errors
}

function shell(request: TransactionRequest): TransactionPreview {
  return {
    dry_run: true,
    would_apply: true,
    status: request.inflight ? 'INFLIGHT' : 'APPLIED',
    reference: request.reference,
    currency: request.currency,
    amount: toAmount(request.precise_amount, request.precision),
    precise_amount: request.precise_amount.toString(),
    precision: request.precision,
    balances: [],
    notes: [],
  };
}

interface Context {
  loaded: LoadedSet;
  /** References already used in the database. */
  taken: ReadonlySet<string>;
  /** References this preview has already projected (a batch's earlier items). */
  seen: Set<string>;
  /**
   * A batch checks every reference before any balance (applyAllOrNothing, or the insert of its
   * QUEUED rows); a single transaction answers the funds check first.
   */
  reference_first: boolean;
}

function reject(preview: TransactionPreview, rejection: PreviewRejection): void {
  preview.would_apply = false;
  preview.rejection ??= rejection;
}

/** The pipeline's legs of whole transactions between their working-set keys, with references and conditions. */
function pipelineLegs(context: Context, requests: readonly TransactionRequest[]): PostLeg[] {
  const { keyOf } = context.loaded;
  return requestLegs(
    requests.map((request) => ({
      request,
      source: keyOf(request.source, request.currency),
      destination: keyOf(request.destination, request.currency),
      reference: request.reference,
    })),
  );
}

/** References a new leg may not use: those in the database and those the preview has projected. */
function takenOf(context: Context): { has(reference: string): boolean } {
  return { has: (reference) => context.taken.has(reference) || context.seen.has(reference) };
}

/** A balance of another currency is refused before this (src/engine/accept/resolve-balances.ts, as a real post). */
function noteCaveats(request: TransactionRequest, preview: TransactionPreview): void {
  if (request.scheduled_for !== null) preview.notes.push(NOTE_SCHEDULED);
}

/**
 * One source -> destination. A single transaction answers the funds check before the reference check
 * (the real skip_queue path); a batch item the reference first (the real bulk path).
 */
function projectSingle(context: Context, request: TransactionRequest, scope: Scope, preview: TransactionPreview): void {
  noteCaveats(request, preview);
  const rejection = projectLeg(context.loaded.set, scope, pipelineLegs(context, [request])[0], {
    check_first: context.reference_first ? 'references' : 'funds',
    taken: takenOf(context),
  });
  if (rejection) return reject(preview, rejection);
  context.seen.add(request.reference);
}

/**
 * A split. With skip_queue the legs apply one after another (earlier legs carry forward; a failing
 * leg stops the rest, and an atomic split then leaves nothing). Queued legs are independent, except
 * that an atomic split's legs are one group the worker applies in order, all or none.
 */
function projectSplit(
  context: Context,
  request: TransactionRequest,
  scope: Scope,
  preview: TransactionPreview,
): TransactionPreview['balances'] {
  const { set } = context.loaded;
  const role = request.sources ? 'source' : 'destination';
  const legs = legsOf(request);
  const pipeline = pipelineLegs(context, legs);
  preview.legs = [];
  if (request.scheduled_for !== null) preview.notes.push(NOTE_SCHEDULED);
  // A split carrying conditions applies whole, as an atomic one does (features/splits.ts).
  const atomic = request.atomic || hasConditions(request.conditions);
  const independent = !request.skip_queue && !atomic;
  if (independent) preview.notes.push(NOTE_INDEPENDENT_LEGS);
  const balances: TransactionPreview['balances'] = [];
  for (const [index, leg] of legs.entries()) {
    const legScope = independent ? set.scope() : scope;
    // A leg's reference is checked before its balances (applyAllOrNothing).
    const rejection = projectLeg(set, legScope, pipeline[index], { check_first: 'references', taken: takenOf(context) });
    if (independent) {
      balances.push(...legScope.projections());
      legScope.restore();
    }
    if (rejection) {
      reject(preview, rejection);
      if (independent) continue;
      if (atomic) {
        scope.restore();
        preview.legs = [];
      }
      break;
    }
    context.seen.add(leg.reference);
    preview.legs.push({
      identifier: role === 'source' ? leg.source : leg.destination,
      role,
      precise_amount: leg.precise_amount.toString(),
      amount: toAmount(leg.precise_amount, leg.precision),
    });
  }
  return independent ? balances : scope.projections();
}

/** Projects `request` within `scope` (its changes stay in the working set unless refused). */
function projectItem(context: Context, request: TransactionRequest, scope: Scope): TransactionPreview {
  const preview = shell(request);
  if (isSplit(request)) preview.balances = projectSplit(context, request, scope, preview);
  else {
    projectSingle(context, request, scope, preview);
    preview.balances = scope.projections();
  }
  return finishPreview(preview);
}

function wantedOf(requests: readonly TransactionRequest[]) {
  return requests.flatMap(legsOf).flatMap((leg) => [
    { identifier: leg.source, currency: leg.currency },
    { identifier: leg.destination, currency: leg.currency },
  ]);
}

async function contextFor(
  tx: Queryable,
  requests: readonly TransactionRequest[],
  reference_first: boolean,
  options: PreviewOptions,
): Promise<Context> {
  const loaded = await loadWorkingSet(tx, wantedOf(requests), options);
  const references = requests.flatMap(legsOf).map((leg) => leg.reference);
  // A split's legs are refused as a real post refuses them (src/engine/accept/leg-references.ts).
  const splits = requests
    .filter(isSplit)
    .map((request) => ({ reference: request.reference, transaction_id: '', legs: legsOf(request) }));
  return { loaded, taken: await previewTakenReferences(tx, references, splits), seen: new Set(), reference_first };
}

function lockedPreview(request: TransactionRequest, error: ApiError): TransactionPreview {
  const preview = shell(request);
  reject(preview, rejectionOf(error));
  return finishPreview(preview);
}

/** POST /transactions with `dry_run: true`. */
export async function previewTransaction(
  db: Database,
  request: TransactionRequest,
  options: PreviewOptions,
): Promise<TransactionPreview> {
  refuseLikeRealPost(request);
  return runPreview(
    db,
    options,
    async (tx) => {
      const context = await contextFor(tx, [request], false, options);
      return projectItem(context, request, context.loaded.set.scope());
    },
    (error) => lockedPreview(request, error),
  );
}

export interface BulkFlags {
  inflight: boolean;
  atomic: boolean;
  skip_queue: boolean;
  run_async: boolean;
}

/**
 * POST /transactions/bulk with `dry_run: true`, for already validated items. With skip_queue, or
 * when atomic (a queued atomic batch is one group the worker applies in order), the items are
 * projected cumulatively in order, as the real batch applies them; the batch balances are what the
 * real batch would leave (up to its first failure, or nothing when atomic). Otherwise each item is
 * projected on its own. run_async is ignored.
 */
export async function previewBulk(
  db: Database,
  items: readonly TransactionRequest[],
  flags: BulkFlags,
  options: PreviewOptions,
): Promise<BulkPreview> {
  const requests = items.map((item) => ({ ...item, inflight: flags.inflight, skip_queue: flags.skip_queue }));
  requests.forEach(refuseLikeRealPost);
  const cumulative = flags.skip_queue || flags.atomic;
  const notes: string[] = [];
  if (!cumulative) notes.push(NOTE_INDEPENDENT_ITEMS);
  if (!flags.skip_queue && flags.atomic) notes.push(NOTE_QUEUED_ATOMIC);
  if (flags.run_async) notes.push(NOTE_RUN_ASYNC);
  return runPreview(db, options, async (tx) => {
    const context = await contextFor(tx, requests, true, options);
    const { set } = context.loaded;
    const results: TransactionPreview[] = [];
    let stopped: Map<string, BalanceState> | undefined;
    requests.forEach((request, index) => {
      const scope = set.scope();
      const result = projectItem(context, request, scope);
      if (!cumulative) scope.restore();
      if (!result.would_apply && cumulative && stopped === undefined) {
        stopped = flags.atomic ? set.all.beforeStates() : set.all.capture();
        notes.push(
          flags.atomic
            ? `transactions[${index}] would fail, so the atomic batch would apply nothing; later items are projected as if it were absent`
            : `transactions[${index}] would fail and a real batch stops there; the batch balances show what it would leave, later items are projected as if it were absent`,
        );
      }
      results.push(result);
    });
    const preview: BulkPreview = {
      dry_run: true,
      would_apply: results.every((result) => result.would_apply),
      cumulative,
      atomic: flags.atomic,
      results,
      notes,
    };
    if (cumulative) preview.balances = set.all.projections(stopped);
    return preview;
  });
}
