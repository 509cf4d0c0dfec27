import type { Config } from '../config/config.js';
import type { Database } from '../db/database.js';
import type { Metrics } from '../metrics.js';

/** What route handlers need, handed to each routes file at registration. */
export interface AppContext {
  config: Config;
  db: Database;
  /** This process's metrics, shown by GET /metrics. */
  metrics: Metrics;
  /** Tells the queue workers (of every process) that transactions were queued. */
  onTransactionsQueued?: () => void;
  /** Tells the inflight workers that commits or voids were queued. */
  onInflightActionsQueued?: () => void;
  /** Tells the bulk runners that an asynchronous batch was stored. */
  onBulkBatchStored?: () => void;
  /** Tells the reconciliation runners that a run was stored. */
  onReconciliationStarted?: () => void;
}
