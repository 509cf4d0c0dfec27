// The inflight worker: settles due actions (queued commits and voids, hold deadlines) one per
// database transaction, claimed with SKIP LOCKED so any number of processes can run it. The action
// row is deleted in the transaction that settles the hold, so a crash never loses or repeats one;
// the settlement references `<legId>_<commit|void>_<actionId>` make a repeat impossible besides.
import type { Database } from '../../db/database.js';
import { findHolds } from '../../db/holds.js';
import { claimDueAction, deferAction, deleteAction, type InflightActionRow } from '../../db/inflight-actions.js';
import type { Queryable } from '../../db/database.js';
import { ApiError } from '../../errors.js';
import { recordEvent } from '../../events/outbox.js';
import type { Logger } from '../../log.js';
import { settleGroup } from '../features/inflight.js';
import { retryDelayMs } from '../../background/backoff.js';
import { CLAIM_FAILURE_BACKOFF, LoopJob, WorkLoop } from '../../background/work-loop.js';

export interface InflightWorkerOptions {
  idle_poll_ms: number;
  /** Attempts of an action that keeps failing (database errors) before it is dropped. */
  failure_attempts_max: number;
  /** How long an action may wait for its queued hold to be applied before it is dropped. */
  waiting_max_ms: number;
  /** Between looks at a hold that is not applied yet. */
  waiting_delay_max_ms: number;
  /** Between attempts of an action that failed. */
  retry_delay_max_ms: number;
}

export const DEFAULT_INFLIGHT_WORKER_OPTIONS: InflightWorkerOptions = {
  idle_poll_ms: 200,
  failure_attempts_max: 10,
  waiting_max_ms: 3_600_000,
  waiting_delay_max_ms: 2_000,
  retry_delay_max_ms: 30_000,
};

const RETRY_DELAY_BASE_MS = 250;

export function settlementReference(leg_id: string, action: InflightActionRow): string {
  return `${leg_id}_${action.action}_${action.action_id}`;
}

/**
 * Removes an action that will not run. A requested one was answered 2xx: its end is recorded as an
 * `inflight_action.refused` event, so the caller can observe it (a deadline that finds its hold
 * settled already is routine and records nothing).
 */
async function dropAction(tx: Queryable, action: InflightActionRow, reason: string): Promise<void> {
  await deleteAction(tx, action.action_id);
  if (action.origin !== 'request') return;
  await recordEvent(tx, 'inflight_action.refused', {
    action_id: action.action_id,
    transaction_id: action.target_id,
    action: action.action,
    precise_amount: action.precise_amount,
    reason,
    created_at: action.created_at,
  });
}

type Outcome =
  { kind: 'idle' } | { kind: 'settled' | 'refused' | 'waiting' | 'dropped'; action: InflightActionRow; reason?: string };

export class InflightWorker extends LoopJob {
  protected readonly loop: WorkLoop;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    private readonly options: InflightWorkerOptions = DEFAULT_INFLIGHT_WORKER_OPTIONS,
  ) {
    super();
    this.loop = new WorkLoop(
      async () => {
        const outcome = await this.processOne();
        this.log(outcome);
        return outcome.kind === 'idle' ? 'idle' : 'more';
      },
      (error) => this.logger.error({ err: error }, 'inflight worker failed to claim an action'),
      { idle_poll_ms: options.idle_poll_ms, ...CLAIM_FAILURE_BACKOFF },
    );
  }

  /** After `attempts` earlier tries: doubling from RETRY_DELAY_BASE_MS, up to `delay_max_ms`. */
  private delayFor(attempts: number, delay_max_ms: number): number {
    return retryDelayMs(attempts + 1, RETRY_DELAY_BASE_MS, delay_max_ms);
  }

  /** Settles the next due action, if any. */
  async processOne(): Promise<Outcome> {
    let claimed: InflightActionRow | undefined;
    try {
      return await this.db.transaction(async (tx): Promise<Outcome> => {
        const action = await claimDueAction(tx);
        if (!action) return { kind: 'idle' };
        claimed = action;
        try {
          await settleGroup(tx, action.target_id, action.action, action.precise_amount, (leg) =>
            settlementReference(leg.transaction_id, action),
          );
        } catch (error) {
          if (!(error instanceof ApiError)) throw error;
          // Refusals are decided before anything is written, so the transaction is still usable.
          // No hold yet: wait while a queued create will make one (or has just made one).
          const noHold = error.code === 'TXN_NOT_INFLIGHT' || error.code === 'TXN_NOT_FOUND';
          const holds = noHold ? await findHolds(tx, action.target_id) : undefined;
          const waiting = holds !== undefined && holds.legs.length + holds.pending.length > 0;
          if (waiting && Date.now() - Date.parse(action.created_at) < this.options.waiting_max_ms) {
            const delay_ms = this.delayFor(action.attempts, this.options.waiting_delay_max_ms);
            await deferAction(tx, action.action_id, delay_ms, error.message);
            return { kind: 'waiting', action };
          }
          await dropAction(tx, action, error.message);
          return { kind: waiting ? 'dropped' : 'refused', action, reason: error.message };
        }
        await deleteAction(tx, action.action_id);
        return { kind: 'settled', action };
      });
    } catch (error) {
      if (!claimed) throw error;
      const action = claimed;
      if (action.attempts + 1 >= this.options.failure_attempts_max) {
        const reason = error instanceof Error ? error.message : String(error);
        await this.db.transaction((tx) => dropAction(tx, action, reason));
        return { kind: 'dropped', action, reason };
      }
      const delay_ms = this.delayFor(action.attempts, this.options.retry_delay_max_ms);
      await deferAction(this.db, action.action_id, delay_ms, String(error));
      this.logger.warn({ err: error, action_id: action.action_id }, 'inflight action failed; will retry');
      return { kind: 'waiting', action };
    }
  }

  private log(outcome: Outcome): void {
    if (outcome.kind === 'idle' || outcome.kind === 'settled' || outcome.kind === 'waiting') return;
    const { action, reason } = outcome;
    const fields = {
      action_id: action.action_id,
      target_id: action.target_id,
      action: action.action,
      origin: action.origin,
      reason,
    };
    if (outcome.kind === 'dropped') this.logger.error(fields, 'inflight action dropped');
    else this.logger.info(fields, 'inflight action refused');
  }
}
