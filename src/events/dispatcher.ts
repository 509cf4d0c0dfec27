// The outbox dispatcher: delivers webhook events and hook deliveries recorded in the database.
// Any number of processes may run one: claims use SKIP LOCKED, and a claim is a lease, so each
// attempt is made by one process and a crashed process's attempts are made again after the lease.
// Up to `queue.webhook_concurrency` attempts are in flight; after the last attempt a delivery is
// dead (logged, and listed by `kassa events dead`).
import type { Config } from '../config/config.js';
import type { Database } from '../db/database.js';
import { finishAttempt, type AttemptOutcome, type DeliveryKind } from '../db/deliveries.js';
import { claimHookDeliveries, recordHookRun, type ClaimedHookDelivery } from '../db/hooks.js';
import { claimOutboxEvents, type ClaimedEvent } from '../db/outbox.js';
import { registerDispatcher, unregisterDispatcher } from '../db/event-dispatchers.js';
import { newId } from '../ids.js';
import { signingKeyId } from './signature.js';
import type { Logger } from '../log.js';
import { retryDelayMs } from '../background/backoff.js';
import { deliverHook } from './hooks.js';
import { onDeliveriesRecorded } from './signal.js';
import { deliverWebhook, type AttemptResult, type WebhookSettings } from './webhook.js';
import { CLAIM_FAILURE_BACKOFF, WorkLoop, type Step } from '../background/work-loop.js';

/** Added to an attempt's timeout to make its lease: covers recording the outcome after the attempt. */
export const LEASE_MARGIN_MS = 5_000;
/** How long close() lets in-flight attempts finish before aborting them. */
export const SHUTDOWN_WAIT_MS = 10_000;
/** How often a dispatcher tells the database it is alive (src/db/event-dispatchers.ts). */
const HEARTBEAT_INTERVAL_MS = 5_000;
/** A hook's retry_count as used for delivery (PUT stores any value). */
const HOOK_RETRIES_MAX = 10;
const ABORTED = 'aborted: shutting down';

export interface DispatcherOptions {
  db: Database;
  config: Config;
  logger: Logger;
}

export class Dispatcher {
  private readonly db: Database;
  private readonly config: Config;
  private readonly logger: Logger;
  private readonly webhook: WebhookSettings;
  private readonly concurrency_max: number;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private stopping = false;
  private started = false;
  private readonly loop: WorkLoop;
  private unsubscribe: (() => void) | undefined;
  private readonly dispatcher_id = newId('dsp');
  private readonly signing_key_id: string;
  private heartbeatTimer: NodeJS.Timeout | undefined;

  constructor(options: DispatcherOptions) {
    this.db = options.db;
    this.config = options.config;
    this.logger = options.logger.child({ component: 'dispatcher' });
    const { url, headers, timeout_ms } = options.config.notification.webhook;
    const { secret_key, previous_secret_keys } = options.config.server;
    this.webhook = { url, headers, timeout_ms, keys: { current: secret_key, previous: previous_secret_keys } };
    this.concurrency_max = options.config.queue.webhook_concurrency;
    this.signing_key_id = signingKeyId(secret_key);
    this.loop = new WorkLoop(
      () => this.step(),
      (error) => this.logger.error({ err: error }, 'claiming deliveries failed; retrying'),
      { idle_poll_ms: options.config.notification.poll_interval_ms, ...CLAIM_FAILURE_BACKOFF },
    );
  }

  /** Registers this dispatcher (so that every process records events for it), then starts delivering. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.register();
    // On a timer of its own: a dispatcher busy with deliveries still says it is alive.
    this.heartbeatTimer = setInterval(
      () => void this.register().catch((error: unknown) => this.logger.warn({ err: error }, 'dispatcher heartbeat failed')),
      HEARTBEAT_INTERVAL_MS,
    );
    this.heartbeatTimer.unref();
    if (this.webhook.url && !this.webhook.keys.current) {
      this.logger.warn('server.secret_key is empty: webhooks are sent unsigned (no X-Blnk-Signature)');
    }
    if (!this.webhook.url) {
      this.logger.info('no webhook URL configured (notification.webhook.url): this process delivers hooks, not webhooks');
    }
    this.unsubscribe = onDeliveriesRecorded(this.db, (kind) => {
      if (kind === 'hook' || this.webhook.url) this.wake();
    });
    this.loop.start();
  }

  /** Look for due deliveries now rather than at the next poll. */
  wake(): void {
    this.loop.wake();
  }

  /** Stops claiming, lets in-flight attempts finish (at most SHUTDOWN_WAIT_MS), then aborts the rest. */
  async close(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.unsubscribe?.();
    clearInterval(this.heartbeatTimer);
    await this.loop.stop();
    await unregisterDispatcher(this.db, this.dispatcher_id).catch((error: unknown) =>
      this.logger.warn({ err: error }, 'could not unregister the dispatcher; it expires by itself'),
    );
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, SHUTDOWN_WAIT_MS)));
    await Promise.race([Promise.all(this.inFlight), deadline]);
    clearTimeout(timer);
    if (this.inFlight.size > 0) {
      this.logger.warn({ in_flight: this.inFlight.size }, 'aborting deliveries still in flight at shutdown');
      this.abort.abort();
      await Promise.all(this.inFlight);
    }
  }

  /** Claims what the free slots can take; 'more' when it filled them all (more may be due). */
  private async step(): Promise<Step> {
    const free = this.concurrency_max - this.inFlight.size;
    // Every slot is busy: the end of an attempt wakes the loop.
    if (free === 0) return 'idle';
    return (await this.claimAndStart(free)) ? 'more' : 'idle';
  }

  /** Registers this dispatcher, or refreshes its last_seen_at (at start, then every HEARTBEAT_INTERVAL_MS). */
  private register(): Promise<void> {
    return registerDispatcher(this.db, {
      dispatcher_id: this.dispatcher_id,
      delivers_webhooks: this.webhook.url !== '',
      signing_key_id: this.signing_key_id,
      webhook_events: this.config.notification.webhook.events.length > 0 ? this.config.notification.webhook.events : null,
    });
  }

  /** Claims up to `free` attempts, half for each kind when both have work; true when all slots filled. */
  private async claimAndStart(free: number): Promise<boolean> {
    const lease_ms = this.webhook.timeout_ms + LEASE_MARGIN_MS;
    let events: ClaimedEvent[] = [];
    // A dispatcher without a webhook URL cannot deliver webhooks, so it never claims an event.
    if (this.webhook.url) {
      events = await claimOutboxEvents(this.db, Math.ceil(free / 2), lease_ms, this.signing_key_id);
    }
    const hooks = await claimHookDeliveries(this.db, free - events.length, LEASE_MARGIN_MS, this.signing_key_id);
    if (this.webhook.url && events.length + hooks.length < free && events.length === Math.ceil(free / 2)) {
      events = events.concat(
        await claimOutboxEvents(this.db, free - events.length - hooks.length, lease_ms, this.signing_key_id),
      );
    }
    for (const event of events) this.track(this.attemptWebhook(event));
    for (const delivery of hooks) this.track(this.attemptHook(delivery));
    return events.length + hooks.length === free;
  }

  private track(attempt: Promise<void>): void {
    const tracked = attempt
      .catch((error) => this.logger.error({ err: error }, 'recording a delivery outcome failed; retried after its lease'))
      .finally(() => {
        this.inFlight.delete(tracked);
        this.loop.wake();
      });
    this.inFlight.add(tracked);
  }

  private async attemptWebhook(event: ClaimedEvent): Promise<void> {
    const result = await deliverWebhook(this.webhook, event, this.abort.signal);
    const outcome = this.outcome(result, event.attempts, this.config.notification.webhook.attempts_max);
    const context = { event_id: event.event_id, event: event.event, attempt: event.attempts };
    await this.finish('webhook', event.event_id, event.attempts, outcome, context);
  }

  private async attemptHook(delivery: ClaimedHookDelivery): Promise<void> {
    const result = await deliverHook(this.webhook.keys, delivery, this.abort.signal);
    const retries = Math.min(Math.max(delivery.retry_count, 0), HOOK_RETRIES_MAX);
    const outcome = this.outcome(result, delivery.attempts, 1 + retries);
    if (!(outcome.status === 'pending' && outcome.error === ABORTED)) {
      await recordHookRun(this.db, delivery.hook_id, result.ok);
    }
    const context = { delivery_id: delivery.delivery_id, hook_id: delivery.hook_id, attempt: delivery.attempts };
    await this.finish('hook', delivery.delivery_id, delivery.attempts, outcome, context);
  }

  private outcome(result: AttemptResult, attempt: number, attempts_max: number): AttemptOutcome {
    if (result.ok) return { status: 'delivered' };
    // An attempt cut short by shutdown is due again at once (for another process or the restart).
    if (this.abort.signal.aborted) return { status: 'pending', retry_in_ms: 0, error: ABORTED };
    if (attempt >= attempts_max) return { status: 'dead', error: result.error };
    const { retry_base_ms, retry_delay_max_ms } = this.config.notification;
    return { status: 'pending', retry_in_ms: retryDelayMs(attempt, retry_base_ms, retry_delay_max_ms), error: result.error };
  }

  private async finish(
    kind: DeliveryKind,
    id: string,
    attempt: number,
    outcome: AttemptOutcome,
    context: Record<string, unknown>,
  ): Promise<void> {
    const recorded = await finishAttempt(this.db, kind, id, attempt, outcome);
    if (!recorded) {
      this.logger.warn({ kind, ...context }, 'delivery outcome not recorded: its lease had run out');
    } else if (outcome.status === 'dead') {
      this.logger.error(
        { kind, ...context, last_error: outcome.error },
        'delivery failed for good after its last attempt: dead letter (list with `kassa events dead`)',
      );
    } else if (outcome.status === 'pending') {
      this.logger.warn({ kind, ...context, error: outcome.error, retry_in_ms: outcome.retry_in_ms }, 'delivery attempt failed');
    }
  }
}
