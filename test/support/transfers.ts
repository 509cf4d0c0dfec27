// Driving many transfers at a Kassa (tests and bench): bounded concurrency, every answer kept.
import { randomUUID } from 'node:crypto';
import type { HttpClient } from './http.js';

export interface TransferAnswer {
  reference: string;
  status: number;
  body: any;
  /** The request never got an answer (connection refused or reset): why. */
  failed?: string;
}

/** Runs `work(i)` for i in [0, count) with at most `concurrency_max` in flight; keeps order. */
export async function runBounded<T>(count: number, concurrency_max: number, work: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency_max, count) }, async () => {
    while (next < count) {
      const i = next++;
      results[i] = await work(i);
    }
  });
  await Promise.all(lanes);
  return results;
}

const SEND_ATTEMPTS_MAX = 3;
const RESEND_DELAY_MS = 100;

/**
 * POSTs one transfer. A request cut off before its answer (a reused keep-alive socket the server
 * closed, say) is sent again: references are unique, so a 409 on the resend means the first one
 * was recorded, and the recorded row is returned as its answer.
 */
export async function transfer(http: HttpClient, body: Record<string, unknown>): Promise<TransferAnswer> {
  const reference = (body.reference as string | undefined) ?? `t-${randomUUID()}`;
  let failed = '';
  for (let attempt = 1; attempt <= SEND_ATTEMPTS_MAX; attempt++) {
    try {
      const res = await http.post('/transactions', { currency: 'USD', description: 'transfer', ...body, reference });
      if (attempt > 1 && res.status === 409 && res.body?.error_detail?.code === 'TXN_DUPLICATE_REFERENCE') {
        const recorded = await http.get(`/transactions/reference/${reference}`);
        return { reference, status: 201, body: recorded.body };
      }
      return { reference, status: res.status, body: res.body };
    } catch (error) {
      failed = String((error as { cause?: unknown }).cause ?? error);
      await new Promise((resolve) => setTimeout(resolve, RESEND_DELAY_MS));
    }
  }
  return { reference, status: 0, body: undefined, failed };
}

/** The accepted queued transactions among `answers`, as the invariant checker wants them. */
export function acceptedQueued(answers: readonly TransferAnswer[]): { transaction_id: string; reference: string }[] {
  return answers
    .filter((a) => a.status === 201 && (a.body.status === 'QUEUED' || a.body.status === 'SCHEDULED'))
    .map((a) => ({ transaction_id: a.body.transaction_id, reference: a.reference }));
}

/**
 * The end state of each answer: REFUSED when not accepted, the status of a direct one, or the
 * status of a queued one's `<ref>_q` outcome (read through `http`).
 */
export function outcomeStatuses(http: HttpClient, answers: readonly TransferAnswer[]): Promise<string[]> {
  return runBounded(answers.length, 10, async (i) => {
    const a = answers[i];
    if (a.status !== 201) return 'REFUSED';
    if (a.body.status !== 'QUEUED') return a.body.status as string;
    return (await http.get(`/transactions/reference/${a.reference}_q`)).body.status as string;
  });
}
