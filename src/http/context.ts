import type { Config } from '../config/config.js';
import type { Database } from '../db/database.js';
import type { Metrics } from '../metrics.js';

/** What route handlers need, handed to each routes file at registration. */
export interface AppContext {
  config: Config;
  db: Database;
  /** This process's metrics, shown by GET /metrics. */
  metrics: Metrics;
  /** Tells this process's queue worker (when it runs one) that transactions were queued. */
  onTransactionsQueued?: () => void;
  /** Tells this process's inflight worker that commits or voids were queued. */
  onInflightActionsQueued?: () => void;
  /** Tells this process's bulk runner that an asynchronous batch was stored. */
  onBulkBatchStored?: () => void;
  /** Tells this process's reconciliation runner that a run was stored. */
  onReconciliationStarted?: () => void;
}
