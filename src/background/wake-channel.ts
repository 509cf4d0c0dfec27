// Wakes background jobs in every process. A process that stores work wakes its own job at once and,
// on PostgreSQL, sends `NOTIFY kassa_work, '<job>'`; every process LISTENs on one connection of its
// own and wakes its job when the job's name arrives, instead of at its next poll. Polling stays: it
// covers a lost LISTEN connection (re-made with backoff), the embedded database (one process) and work
// that comes due by time. A process sends at most one notification per job every NOTIFY_INTERVAL_MS
// (one more at the end of the interval when work was stored meanwhile): a NOTIFY per accepted
// transaction would serialise commits on PostgreSQL's notification queue.
import pg from 'pg';
import type { Database } from '../db/database.js';
import type { Logger } from '../log.js';
import { failureBackoffMs } from './backoff.js';

const JOBS = ['queue', 'inflight', 'bulk', 'reconciliation'] as const;
export type Job = (typeof JOBS)[number];

/** What code that stores work tells: the job it is for. */
export interface Background {
  /** Work was stored for `job`: wakes it here now, and in every other process soon. */
  stored(job: Job): void;
}

const CHANNEL = 'kassa_work';
const NOTIFY_INTERVAL_MS = 10;
const CONNECT_TIMEOUT_MS = 5_000;
const RECONNECT_BACKOFF = { base_ms: 500, max_ms: 30_000 };

export class WakeChannel implements Background {
  private readonly wakers = new Map<Job, Set<() => void>>();
  private readonly sent_at_ms = new Map<Job, number>();
  private readonly trailing = new Map<Job, NodeJS.Timeout>();
  private client: pg.Client | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private closed = false;

  /** `url`: the PostgreSQL server every process shares; undefined for the embedded database. */
  constructor(
    private readonly db: Database,
    private readonly url: string | undefined,
    private readonly logger: Logger,
  ) {}

  /** Starts listening (PostgreSQL). A failure to connect is retried in the background, never thrown. */
  async start(): Promise<void> {
    if (this.url) await this.listen();
  }

  /** Calls `wake` whenever `job` has work stored, by this process or another. */
  on(job: Job, wake: () => void): void {
    let wakers = this.wakers.get(job);
    if (!wakers) this.wakers.set(job, (wakers = new Set()));
    wakers.add(wake);
  }

  /** This process stored work for `job`: wakes it here now, and in every other process soon. */
  stored(job: Job): void {
    this.wakeHere(job);
    if (!this.url || this.closed) return;
    const since_ms = performance.now() - (this.sent_at_ms.get(job) ?? -Infinity);
    if (since_ms >= NOTIFY_INTERVAL_MS) return this.send(job);
    if (this.trailing.has(job)) return;
    const timer = setTimeout(() => {
      this.trailing.delete(job);
      this.send(job);
    }, NOTIFY_INTERVAL_MS - since_ms);
    timer.unref();
    this.trailing.set(job, timer);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    for (const timer of this.trailing.values()) clearTimeout(timer);
    this.trailing.clear();
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }

  private wakeHere(job: Job): void {
    for (const wake of this.wakers.get(job) ?? []) wake();
  }

  private send(job: Job): void {
    this.sent_at_ms.set(job, performance.now());
    // Best effort: a lost notification leaves the work to the other processes' polls.
    this.db
      .query('SELECT pg_notify($1, $2)', [CHANNEL, job])
      .catch((error: unknown) => this.logger.debug({ err: error, job }, 'could not notify other processes'));
  }

  private async listen(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    // A server restart or failover ends the connection: it is made again, and polls cover the gap.
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    client.on('notification', ({ channel, payload }) => {
      if (channel === CHANNEL && payload !== undefined && (JOBS as readonly string[]).includes(payload))
        this.wakeHere(payload as Job);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (error) {
      this.logger.warn({ err: error }, 'cannot listen for work stored by other processes; polling meanwhile');
      client.end().catch(() => {});
      this.retry();
      return;
    }
    if (this.closed) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.failures = 0;
    // Work stored while this process was not listening is found now rather than at the next poll.
    for (const job of this.wakers.keys()) this.wakeHere(job);
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    client.end().catch(() => {});
    if (this.closed) return;
    this.logger.warn('lost the connection that listens for work stored by other processes; polling meanwhile');
    this.retry();
  }

  private retry(): void {
    if (this.closed) return;
    this.failures += 1;
    this.reconnectTimer = setTimeout(
      () => void this.listen(),
      failureBackoffMs(this.failures, RECONNECT_BACKOFF.base_ms, RECONNECT_BACKOFF.max_ms),
    );
    this.reconnectTimer.unref();
  }
}
