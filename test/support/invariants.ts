// The ledger's invariants, checked black-box over HTTP (tests and bench): every balance nets
// correctly, all balances sum to zero, settled amounts equal the APPLIED rows, and every accepted
// queued transaction has exactly one outcome row.
import type { HttpClient } from './http.js';

const PAGE_SIZE = 100;
const PAGES_MAX = 100_000;

async function pages(http: HttpClient, path: string): Promise<any[]> {
  const all: any[] = [];
  for (let page = 0; page < PAGES_MAX; page++) {
    const res = await http.get(`${path}?limit=${PAGE_SIZE}&offset=${page * PAGE_SIZE}`);
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${res.text}`);
    all.push(...res.body);
    if (res.body.length < PAGE_SIZE) return all;
  }
  throw new Error(`more than ${PAGES_MAX} pages at ${path}`);
}

export const allBalances = (http: HttpClient) => pages(http, '/balances');
export const allTransactions = (http: HttpClient) => pages(http, '/transactions');

const big = (value: unknown) => BigInt(value as bigint | number);

/** Problems with the balances (empty when all hold). */
export function balanceProblems(balances: readonly any[], transactions?: readonly any[]): string[] {
  const problems: string[] = [];
  let sum = 0n;
  let inflightSum = 0n;
  const applied = new Map<string, { credit: bigint; debit: bigint }>();
  for (const t of transactions ?? []) {
    if (t.status !== 'APPLIED') continue;
    const source = applied.get(t.source) ?? { credit: 0n, debit: 0n };
    source.debit += big(t.precise_amount);
    applied.set(t.source, source);
    const destination = applied.get(t.destination) ?? { credit: 0n, debit: 0n };
    destination.credit += big(t.precise_amount);
    applied.set(t.destination, destination);
  }
  for (const b of balances) {
    const [balance, credit, debit] = [big(b.balance), big(b.credit_balance), big(b.debit_balance)];
    const [inflight, inflightCredit, inflightDebit] = [
      big(b.inflight_balance),
      big(b.inflight_credit_balance),
      big(b.inflight_debit_balance),
    ];
    if (balance !== credit - debit) problems.push(`${b.balance_id}: balance ${balance} != ${credit} - ${debit}`);
    if (inflight !== inflightCredit - inflightDebit) {
      problems.push(`${b.balance_id}: inflight ${inflight} != ${inflightCredit} - ${inflightDebit}`);
    }
    if ([credit, debit, inflightCredit, inflightDebit].some((v) => v < 0n)) problems.push(`${b.balance_id}: negative component`);
    if (transactions) {
      const expected = applied.get(b.balance_id) ?? { credit: 0n, debit: 0n };
      if (expected.credit !== credit || expected.debit !== debit) {
        problems.push(
          `${b.balance_id}: credit/debit ${credit}/${debit} but APPLIED rows say ${expected.credit}/${expected.debit}`,
        );
      }
    }
    sum += balance;
    inflightSum += inflight;
  }
  if (sum !== 0n) problems.push(`sum of balances is ${sum}, not 0`);
  if (inflightSum !== 0n) problems.push(`sum of inflight balances is ${inflightSum}, not 0`);
  return problems;
}

/** Problems with queued outcomes: each accepted id needs exactly one `<ref>_q` child. */
export function outcomeProblems(
  transactions: readonly any[],
  accepted: readonly { transaction_id: string; reference: string }[],
): string[] {
  const problems: string[] = [];
  const children = new Map<string, any[]>();
  const byId = new Map<string, any>();
  for (const t of transactions) {
    byId.set(t.transaction_id, t);
    if (t.parent_transaction) children.set(t.parent_transaction, [...(children.get(t.parent_transaction) ?? []), t]);
  }
  for (const a of accepted) {
    const request = byId.get(a.transaction_id);
    if (!request) problems.push(`accepted ${a.reference} (${a.transaction_id}) has no row`);
    const outcomes = (children.get(a.transaction_id) ?? []).filter((t) => ['APPLIED', 'INFLIGHT', 'REJECTED'].includes(t.status));
    if (outcomes.length !== 1) problems.push(`accepted ${a.reference} has ${outcomes.length} outcomes`);
    else if (!outcomes[0].reference.startsWith(`${a.reference}_q`)) {
      problems.push(`outcome of ${a.reference} has reference ${outcomes[0].reference}`);
    }
  }
  return problems;
}

/** Reads everything and returns every problem found (empty when the ledger is sound). */
export async function ledgerProblems(
  http: HttpClient,
  accepted: readonly { transaction_id: string; reference: string }[] = [],
): Promise<string[]> {
  const [balances, transactions] = [await allBalances(http), await allTransactions(http)];
  return [...balanceProblems(balances, transactions), ...outcomeProblems(transactions, accepted)];
}

/** Polls `probe` every `interval_ms` until it returns a value that is not undefined, at most `timeout_ms`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  { timeout_ms = 15_000, interval_ms = 100 } = {},
): Promise<T> {
  const deadline = Date.now() + timeout_ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeout_ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, interval_ms));
  }
}
