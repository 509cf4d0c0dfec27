import type { Config } from '../config/config.js';
import type { Database } from '../db/database.js';
import type { Metrics } from '../metrics.js';
import type { Engine } from '../engine/engine.js';
import type { Background } from '../background/wake-channel.js';

/** What route handlers need, handed to each routes file at registration. */
export interface AppContext {
  config: Config;
  db: Database;
  /** This process's metrics, shown by GET /metrics. */
  metrics: Metrics;
  /** The engine: every operation that moves money, and the wakes of the jobs it leaves work for. */
  engine: Engine;
  /** Tells the background jobs (of every process) that work was stored for them. */
  background: Background;
}
