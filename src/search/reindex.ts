// POST /search/reindex: Blnk drops and refills its Typesense collections. Kassa searches the tables
// themselves, so there is nothing to refill: a run goes through Blnk's phases, walks every
// collection in batches (keyset pages, yielding to the event loop between them) and checks that each
// row renders as its document, recording the ones that do not. Progress lives in the database
// (src/db/search-reindex.ts), written after every batch.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Database } from '../db/database.js';
import { claimReindex, findReindex, saveReindex, type ReindexRow } from '../db/search-reindex.js';
import { ApiError } from '../errors.js';
import { COLLECTIONS, type SearchCollection } from './collections.js';

export const REINDEX_BATCH_DEFAULT = 1000;
const REINDEX_BATCH_MAX = 10_000;
const ERRORS_KEPT_MAX = 100;
/** Blnk's order of the indexing phases. */
const PHASES: readonly [string, SearchCollection][] = [
  ['indexing_ledgers', COLLECTIONS.ledgers],
  ['indexing_identities', COLLECTIONS.identities],
  ['indexing_balances', COLLECTIONS.balances],
  ['indexing_transactions', COLLECTIONS.transactions],
];

/** Blnk's rule: a batch size that is absent, not a positive integer, or unreadable is 1000. */
export function reindexBatchSize(body: unknown): number {
  const value = body !== null && typeof body === 'object' ? (body as Record<string, unknown>).batch_size : undefined;
  const number = typeof value === 'bigint' ? Number(value) : typeof value === 'number' ? value : Number.NaN;
  if (!Number.isSafeInteger(number) || number <= 0) return REINDEX_BATCH_DEFAULT;
  return Math.min(number, REINDEX_BATCH_MAX);
}

/** The progress object in Blnk's key order; optional keys only when they hold something. */
export function progressView(row: ReindexRow): Record<string, unknown> {
  const view: Record<string, unknown> = {
    status: row.status,
    phase: row.phase,
    total_records: Number(row.total_records),
    processed_records: Number(row.processed_records),
  };
  if (row.errors.length > 0) view.errors = row.errors;
  view.started_at = row.started_at;
  if (row.completed_at) view.completed_at = row.completed_at;
  view.paused = false;
  return view;
}

export class Reindexer {
  private running: Promise<void> | undefined;
  private stopping = false;

  constructor(
    private readonly db: Database,
    private readonly logger: { error(fields: object, message: string): void },
  ) {}

  /** Starts a run (answering its first progress), or throws 409 with the live run's progress. */
  async start(batch_size: number): Promise<Record<string, unknown>> {
    const claimed = await claimReindex(this.db, batch_size);
    if (!claimed) {
      const live = await findReindex(this.db);
      const progress = live ? progressView(live) : {};
      const message = 'A reindex operation is already in progress';
      throw new ApiError('SRCH_REINDEX_IN_PROGRESS', message, { details: progress, extra: { progress } });
    }
    this.running = this.run(batch_size).finally(() => (this.running = undefined));
    return progressView(claimed);
  }

  async progress(): Promise<Record<string, unknown>> {
    const row = await findReindex(this.db);
    if (!row) throw new ApiError('SRCH_REINDEX_NOT_STARTED', 'No reindex operation has been started');
    return progressView(row);
  }

  private async run(batch_size: number): Promise<void> {
    const errors: string[] = [];
    let total_records = 0;
    let processed_records = 0;
    let phase = 'starting';
    const save = (status: ReindexRow['status'], done = false) =>
      saveReindex(this.db, { status, phase, total_records, processed_records, errors, done });
    try {
      await save('in_progress');
      for (const [, collection] of PHASES) {
        const [{ count }] = await this.db.query<{ count: string }>(`SELECT count(*) AS count FROM ${collection.from}`);
        total_records += Number(count);
      }
      for (const next of ['drop_collections', 'create_collections']) {
        phase = next;
        await save('in_progress');
      }
      for (const [name, collection] of PHASES) {
        phase = name;
        await save('in_progress');
        await this.walk(collection, batch_size, errors, async (rows) => {
          processed_records += rows;
          await save('in_progress');
        });
        if (this.stopping) return;
      }
      phase = 'done';
      total_records = Math.max(total_records, processed_records);
      await save('completed', true);
    } catch (error) {
      if (this.stopping) return;
      errors.push(`${phase}: ${error instanceof Error ? error.message : String(error)}`.slice(0, 500));
      this.logger.error({ err: error, phase }, 'search reindex failed');
      await save('failed', true).catch(() => undefined);
    }
  }

  /** Renders every row of `collection`, a batch at a time, telling `onBatch` each batch's size. */
  private async walk(
    collection: SearchCollection,
    batch_size: number,
    errors: string[],
    onBatch: (rows: number) => Promise<void>,
  ): Promise<void> {
    let after: string | null = null;
    while (!this.stopping) {
      const rows: Record<string, unknown>[] = await this.db.query(
        `SELECT ${collection.select}, ${collection.key} AS _key FROM ${collection.from}
          WHERE $1::text IS NULL OR ${collection.key} > $1::text ORDER BY ${collection.key} LIMIT $2`,
        [after, batch_size],
      );
      for (const { _key, ...raw } of rows) {
        try {
          collection.document(raw);
        } catch (error) {
          if (errors.length < ERRORS_KEPT_MAX) errors.push(`${collection.name} ${String(_key)}: ${(error as Error).message}`);
        }
      }
      await onBatch(rows.length);
      if (rows.length < batch_size) break;
      after = String(rows[rows.length - 1]._key);
      await yieldToEventLoop();
    }
  }

  /** Stops a run at its next batch (the server is closing); a later POST may start afresh. */
  async close(): Promise<void> {
    this.stopping = true;
    await this.running;
  }
}
