// The engine as routes see it: one call per operation that moves money, whichever path it takes
// (a dry run, queued or direct, a split, a bulk batch stored or run now, a refund), and the engine
// wakes the background jobs that have work from it: routes parse, call and shape the answer.
import type { Background } from '../background/wake-channel.js';
import type { Config } from '../config/config.js';
import type { Database } from '../db/database.js';
import { countPendingBatches, findBatchProgress, insertBatch, type BatchProgress } from '../db/bulk-batches.js';
import { filterTransactions, findTransaction, findTransactionByReference } from '../db/transactions.js';
import type { FilterRequest } from '../filters/language.js';
import { ApiError } from '../errors.js';
import { newId } from '../ids.js';
import type { BulkRequest } from '../ledger/bulk-request.js';
import type { TransactionRow } from '../ledger/records.js';
import type { TransactionRequest } from '../ledger/transaction-request.js';
import type { InflightAction } from '../ledger/inflight.js';
import type { SettlementAmounts } from '../ledger/settlement-request.js';
import { directAcceptor } from './accept/direct-batch.js';
import { queuedAcceptor } from './accept/queued-batch.js';
import { directOptionsOf, type DirectOptions } from './accept/record.js';
import { planBatch, processBatch } from './features/bulk.js';
import { recoverStuckQueued } from './features/recover.js';
import { refund, type RefundOptions } from './features/refunds.js';
import {
  settleMany,
  settleOne,
  type Settled,
  type SettlementItem,
  type SettlementOptions,
  type ItemLog,
} from './features/settlements.js';
import { isSplit, recordDirectSplit, recordQueuedSplit } from './features/splits.js';
import { previewRefund } from './preview/refund.js';
import { previewBulk, previewTransaction } from './preview/transactions.js';
import { ASYNC_BATCHES_MAX } from './workers/bulk-runner.js';

/** What a new transaction became: a dry run's projection, a split's answer, or one row. */
export type Recorded =
  | { kind: 'preview'; answer: unknown }
  | { kind: 'split'; answer: unknown }
  | { kind: 'row'; row: TransactionRow; queued: boolean };

export type { BatchProgress };

export type BulkRecorded =
  | { kind: 'preview'; answer: unknown }
  | { kind: 'stored'; batch_id: string }
  | { kind: 'processed'; batch_id: string; outcome: Awaited<ReturnType<typeof processBatch>> };

export class Engine {
  private readonly direct: DirectOptions;
  private readonly settlements: SettlementOptions;
  private readonly acceptQueued;
  private readonly acceptDirect;

  constructor(
    private readonly db: Database,
    config: Config,
    /** Tells the background jobs (of every process) that work was stored for them. */
    private readonly background: Background,
  ) {
    this.direct = directOptionsOf(config);
    this.settlements = { ...this.direct, queued: () => this.background.stored('inflight') };
    this.acceptQueued = queuedAcceptor(db);
    this.acceptDirect = directAcceptor(db, this.direct);
  }

  /** POST /transactions: a dry run, a split (queued or direct), or one transaction (queued or direct). */
  async record(txn: TransactionRequest): Promise<Recorded> {
    if (txn.dry_run) return { kind: 'preview', answer: await previewTransaction(this.db, txn, this.direct) };
    if (isSplit(txn)) {
      if (txn.skip_queue) return { kind: 'split', answer: await recordDirectSplit(this.db, txn, this.direct) };
      const answer = await recordQueuedSplit(this.db, txn);
      this.background.stored('queue');
      return { kind: 'split', answer };
    }
    if (txn.skip_queue) return { kind: 'row', row: await this.acceptDirect.submit(txn), queued: false };
    const row = await this.acceptQueued.submit(txn);
    this.background.stored('queue');
    return { kind: 'row', row, queued: true };
  }

  /** POST /transactions/bulk: a dry run, a batch stored for the bulk runners (run_async), or processed now. */
  async recordBulk(bulk: BulkRequest, stored_request: Record<string, unknown>): Promise<BulkRecorded> {
    if (bulk.dry_run) {
      planBatch('bulk_dry_run', bulk); // the real refusals of split items (`transactions[<i>]: ...`)
      return { kind: 'preview', answer: await previewBulk(this.db, bulk.items, bulk, this.direct) };
    }
    const batch_id = newId('bulk');
    const plan = planBatch(batch_id, bulk);
    if (bulk.run_async) {
      if ((await countPendingBatches(this.db)) >= ASYNC_BATCHES_MAX) {
        throw new ApiError('GEN_RATE_LIMITED', `too many bulk transactions in progress; max is ${ASYNC_BATCHES_MAX}`);
      }
      await insertBatch(this.db, batch_id, stored_request);
      this.background.stored('bulk');
      return { kind: 'stored', batch_id };
    }
    try {
      return { kind: 'processed', batch_id, outcome: await processBatch(this.db, plan, this.direct) };
    } finally {
      if (!bulk.skip_queue) this.background.stored('queue');
    }
  }

  /** POST /refund-transaction/:id, or its dry run. */
  async refund(
    transaction_id: string,
    options: RefundOptions & { dry_run: boolean },
  ): Promise<{ kind: 'preview'; answer: unknown } | { kind: 'row'; row: TransactionRow }> {
    const { dry_run, ...rest } = options;
    const overrides = { description: rest.description, meta_data: rest.meta_data };
    if (dry_run) return { kind: 'preview', answer: await previewRefund(this.db, transaction_id, overrides, this.direct) };
    const row = await refund(this.db, transaction_id, rest, this.direct);
    if (!rest.skip_queue) this.background.stored('queue');
    return { kind: 'row', row };
  }

  /** PUT /transactions/inflight/:id: commit or void one hold, now, queued or as a dry run. */
  settle(
    transaction_id: string,
    action: InflightAction,
    amounts: SettlementAmounts,
    request: { skip_queue: boolean; dry_run: boolean },
  ): Promise<Settled> {
    return settleOne(this.db, transaction_id, action, amounts, request, this.settlements);
  }

  /** The bulk commit and void endpoints: Blnk's per-item answer. */
  settleMany(
    items: readonly SettlementItem[],
    action: InflightAction,
    request: { skip_queue: boolean; dry_run: boolean },
    logger: ItemLog,
  ): Promise<unknown> {
    return settleMany(this.db, items, action, request, this.settlements, logger);
  }

  /** POST /transactions/recover: QUEUED rows stuck longer than the threshold are queued again. */
  async recover(threshold_ms: number): Promise<number> {
    const recovered = await recoverStuckQueued(this.db, threshold_ms);
    if (recovered > 0) this.background.stored('queue');
    return recovered;
  }

  filterTransactions(request: FilterRequest): Promise<{ rows: TransactionRow[]; total_count?: number }> {
    return filterTransactions(this.db, request);
  }

  findTransaction(transaction_id: string): Promise<TransactionRow | undefined> {
    return findTransaction(this.db, transaction_id);
  }

  findTransactionByReference(reference: string): Promise<TransactionRow | undefined> {
    return findTransactionByReference(this.db, reference);
  }

  findBulkBatch(batch_id: string): Promise<BatchProgress | undefined> {
    return findBatchProgress(this.db, batch_id);
  }
}
