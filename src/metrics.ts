// What GET /metrics shows, with prom-client: request counts and latencies, authentication failures,
// master-key and API-key use, the applier's batch sizes, and at each scrape the queue, outbox and
// dead deliveries read from the database; plus Node's process, event-loop and GC metrics. Blnk's
// names where Blnk has one (blnk_*). Labels take values from small sets (codes, route patterns,
// key ids), never from a request's content, so series stay bounded and hold no secret.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Queryable } from './db/database.js';

const LATENCY_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BATCH_SIZE_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

export class Metrics {
  readonly registry = new Registry();
  private readonly registers = [this.registry];
  readonly httpRequests = new Counter({
    name: 'kassa_http_requests_total',
    help: 'HTTP requests answered, by method and status.',
    labelNames: ['method', 'status'] as const,
    registers: this.registers,
  });
  readonly httpDuration = new Histogram({
    name: 'kassa_http_request_duration_seconds',
    help: 'Time from request to answer, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: LATENCY_BUCKETS_S,
    registers: this.registers,
  });
  readonly authFailures = new Counter({
    name: 'kassa_auth_failures_total',
    help: 'Requests refused by authentication or authorization, by error code.',
    labelNames: ['code'] as const,
    registers: this.registers,
  });
  readonly authFailureAlerts = new Counter({
    name: 'kassa_auth_failure_alerts_total',
    help: 'Source addresses that crossed the failed-authentication threshold (security.auth_failures).',
    registers: this.registers,
  });
  readonly blockedRequests = new Counter({
    name: 'kassa_auth_blocked_requests_total',
    help: 'Requests refused with 429 because their source address is blocked after failed authentications.',
    registers: this.registers,
  });
  readonly masterKeyUses = new Counter({
    name: 'kassa_master_key_uses_total',
    help: 'Requests authenticated with the master key: key="current", or "previous" for a key kept after a rotation.',
    labelNames: ['key'] as const,
    registers: this.registers,
  });
  readonly apiKeyRequests = new Counter({
    name: 'kassa_api_key_requests_total',
    help: 'Requests authenticated with an API key, by key id.',
    labelNames: ['api_key_id'] as const,
    registers: this.registers,
  });
  readonly rateLimited = new Counter({
    name: 'kassa_rate_limited_total',
    help: 'Requests refused with 429 GEN_RATE_LIMITED.',
    registers: this.registers,
  });
  readonly balanceCreated = new Counter({
    name: 'blnk_balance_created_total',
    help: 'Balances created.',
    registers: this.registers,
  });
  readonly transactionBatchSize = new Histogram({
    name: 'blnk_transaction_batch_size',
    help: 'Queued transactions applied per batch by this process.',
    buckets: BATCH_SIZE_BUCKETS,
    registers: this.registers,
  });
  private readonly queueDepth = new Gauge({
    name: 'kassa_queue_depth',
    help: 'Transactions waiting in the queue (scheduled ones included).',
    registers: this.registers,
  });
  private readonly queueOldestAge = new Gauge({
    name: 'kassa_queue_oldest_age_seconds',
    help: 'Age of the oldest due transaction in the queue; 0 when none is due.',
    registers: this.registers,
  });
  private readonly outboxBacklog = new Gauge({
    name: 'kassa_outbox_backlog',
    help: 'Webhook events and hook deliveries not yet delivered, by kind.',
    labelNames: ['kind'] as const,
    registers: this.registers,
  });
  private readonly deadDeliveries = new Gauge({
    name: 'kassa_dead_deliveries',
    help: 'Webhook events and hook deliveries that exhausted their attempts (kassa events dead), by kind.',
    labelNames: ['kind'] as const,
    registers: this.registers,
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Reads the database-backed gauges; they keep their last values when the database does not answer. */
  async readDatabase(db: Queryable): Promise<void> {
    const [row] = await db.query<Record<string, string>>(
      `SELECT (SELECT count(*) FROM transaction_queue) AS queue_depth,
              (SELECT COALESCE(EXTRACT(EPOCH FROM now() - min(run_at)), 0) FROM transaction_queue WHERE run_at <= now())
                AS queue_oldest_age_s,
              (SELECT count(*) FROM outbox_events WHERE status = 'pending') AS webhook_pending,
              (SELECT count(*) FROM outbox_events WHERE status = 'dead') AS webhook_dead,
              (SELECT count(*) FROM hook_deliveries WHERE status = 'pending') AS hook_pending,
              (SELECT count(*) FROM hook_deliveries WHERE status = 'dead') AS hook_dead`,
    );
    this.queueDepth.set(Number(row.queue_depth));
    this.queueOldestAge.set(Math.max(0, Number(row.queue_oldest_age_s)));
    this.outboxBacklog.set({ kind: 'webhook' }, Number(row.webhook_pending));
    this.outboxBacklog.set({ kind: 'hook' }, Number(row.hook_pending));
    this.deadDeliveries.set({ kind: 'webhook' }, Number(row.webhook_dead));
    this.deadDeliveries.set({ kind: 'hook' }, Number(row.hook_dead));
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
