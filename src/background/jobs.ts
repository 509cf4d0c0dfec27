// A process's background jobs, composed once for `kassa start` and `kassa workers`: the queue worker,
// the inflight worker and the outbox dispatcher (when the process runs workers), the bulk and
// reconciliation runners (always, as in Blnk), and the wake channel that tells every process's jobs
// when work is stored.
import type { Config } from '../config/config.js';
import type { Database } from '../db/database.js';
import { directOptionsOf } from '../engine/accept/record.js';
import { BulkRunner } from '../engine/workers/bulk-runner.js';
import { InflightWorker } from '../engine/workers/inflight-worker.js';
import { DEFAULT_WORKER_OPTIONS, TransactionWorker } from '../engine/workers/queue-worker.js';
import { Dispatcher } from '../events/dispatcher.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { ReconciliationRunner } from '../reconciliation/runner.js';
import { WakeChannel, type Background, type Job } from './wake-channel.js';

/**
 * The embedded database has one process: nobody else enqueues, so accepts wake the worker and the
 * poll only has to notice scheduled items coming due.
 */
const EMBEDDED_IDLE_POLL_MS = 250;

export interface BackgroundJobs extends Background {
  /** The queue worker (absent when the process runs no workers). */
  worker?: TransactionWorker;
  /** The outbox dispatcher (absent when the process runs no workers). */
  dispatcher?: Dispatcher;
  /** Registers the dispatcher (before the first event can be recorded), then starts every job. */
  start(): Promise<void>;
  /** Lets the work in hand finish, then stops. */
  stop(): Promise<void>;
}

function createWorker(config: Config, db: Database, logger: Logger, metrics?: Metrics): TransactionWorker {
  const { idle_poll_ms } = config.worker;
  return new TransactionWorker(db, logger, {
    ...DEFAULT_WORKER_OPTIONS,
    onBatchApplied: metrics && ((processed) => metrics.transactionBatchSize.observe(processed)),
    batch_size_max: Math.max(1, config.transaction.batch_size),
    idle_poll_ms: db.kind === 'embedded' ? Math.max(EMBEDDED_IDLE_POLL_MS, idle_poll_ms) : idle_poll_ms,
  });
}

export function createBackgroundJobs(
  config: Config,
  db: Database,
  logger: Logger,
  options: { workers: boolean; metrics?: Metrics },
): BackgroundJobs {
  const channel = new WakeChannel(db, config.data_source.dns || undefined, logger);
  const stored = (job: Job) => channel.stored(job);
  const worker = options.workers ? createWorker(config, db, logger, options.metrics) : undefined;
  const inflightWorker = options.workers ? new InflightWorker(db, logger) : undefined;
  const bulkRunner = new BulkRunner(db, logger, directOptionsOf(config), () => stored('queue'));
  const reconciliationRunner = new ReconciliationRunner(db, logger, config.reconciliation);
  // Deliveries are background work: a process without workers neither claims nor signs any.
  const dispatcher = options.workers ? new Dispatcher({ db, config, logger }) : undefined;
  if (worker) channel.on('queue', () => worker.wake());
  if (inflightWorker) channel.on('inflight', () => inflightWorker.wake());
  channel.on('bulk', () => bulkRunner.wake());
  channel.on('reconciliation', () => reconciliationRunner.wake());
  return {
    worker,
    dispatcher,
    stored,
    async start() {
      await dispatcher?.start();
      await channel.start();
      worker?.start();
      inflightWorker?.start();
      bulkRunner.start();
      reconciliationRunner.start();
    },
    async stop() {
      await Promise.all([bulkRunner.stop(), reconciliationRunner.stop()]);
      await Promise.all([worker?.stop(), inflightWorker?.stop()]);
      await dispatcher?.close();
      await channel.close();
    },
  };
}
