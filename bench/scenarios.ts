// The load scenarios, mirroring Blnk's k6 load tests (baseline, contention, spike: `@world`-style
// overdraft sources, amounts 1.00-10.00 USD at precision 100, fresh indicators) plus the hot-balance,
// bulk, inflight, split and refund cases of issue 7. Each scenario has a queued form and a
// `skip_queue` form (name suffix `:skip`). A scenario whose endpoint is missing from this build is
// reported "not available" after a real probe request; nothing is faked.
import type { BenchClient, BenchResponse } from './http.js';
import type { OpOutcome, Phase } from './load.js';

export interface ScenarioContext {
  client: BenchClient;
  /** Short unique prefix for references and indicators of this run. */
  run_id: string;
  /** References the server accepted (2xx) and must have stored: checked after the run. */
  accepted_references: string[];
  /** References of the final outcome row of each accepted operation, in answer order (queued drain). */
  outcome_references: string[];
}

export interface Scenario {
  name: string;
  description: string;
  skip_queue: boolean;
  default_rate_per_s: number;
  phases(rate_per_s: number, duration_s: number): Phase[];
  /** Creates what the scenario needs and probes its endpoint; returns a reason when not available. */
  setup(ctx: ScenarioContext): Promise<string | undefined>;
  op(ctx: ScenarioContext, k: number): Promise<OpOutcome>;
}

const CURRENCY = 'USD';
const PRECISION = 100;
const HOT_FUNDING_AMOUNT = 1_000_000_000;

/** Blnk's k6 amount: 1.00 to 10.00 (100..1000 minor units). */
/** 1.00 to 10.00 (times `scale`), divided last so that no float artifact (12.299999999999999) is sent. */
function amount(k: number, scale = 1): number {
  return ((100 + ((((k * 7919) % 901) + 901) % 901)) * scale) / PRECISION;
}

function errorLabel(response: BenchResponse): string {
  try {
    const code = JSON.parse(response.text)?.error_detail?.code;
    return code ? `${response.status} ${code}` : `${response.status}`;
  } catch {
    return `${response.status}`;
  }
}

function verdict(response: BenchResponse, expected: number): OpOutcome {
  return response.status === expected ? { ok: true } : { ok: false, error: errorLabel(response) };
}

function field(response: BenchResponse, name: string): string {
  const value = JSON.parse(response.text)?.[name];
  if (typeof value !== 'string') throw new Error(`response without ${name}: ${response.text.slice(0, 200)}`);
  return value;
}

interface TransferFields {
  reference: string;
  source: string;
  destination: string;
  amount: number;
  allow_overdraft?: boolean;
  inflight?: boolean;
  skip_queue?: boolean;
}

function transfer(fields: TransferFields): Record<string, unknown> {
  return {
    amount: fields.amount,
    precision: PRECISION,
    currency: CURRENCY,
    reference: fields.reference,
    source: fields.source,
    destination: fields.destination,
    description: 'bench',
    allow_overdraft: fields.allow_overdraft ?? true,
    inflight: fields.inflight ?? false,
    skip_queue: fields.skip_queue ?? false,
  };
}

const steady = (rate_per_s: number, duration_s: number): Phase[] => [{ name: 'steady', rate_per_s, duration_s }];

/** Blnk's spike: 2 parts at the base rate, 1 at three times it, 3 to recover (2m/1m/3m in k6). */
const spike = (rate_per_s: number, duration_s: number): Phase[] => [
  { name: 'warm', rate_per_s, duration_s: (duration_s * 2) / 6 },
  { name: 'peak', rate_per_s: rate_per_s * 3, duration_s: duration_s / 6 },
  { name: 'recover', rate_per_s, duration_s: (duration_s * 3) / 6 },
];

/** POSTs one transfer; a queued one's outcome row is `<ref>_q`. */
async function postTransfer(ctx: ScenarioContext, fields: TransferFields): Promise<OpOutcome> {
  const response = await ctx.client.post('/transactions', transfer(fields));
  if (response.status !== 201) return verdict(response, 201);
  ctx.accepted_references.push(fields.reference);
  ctx.outcome_references.push(fields.skip_queue ? fields.reference : `${fields.reference}_q`);
  return { ok: true };
}

async function fund(ctx: ScenarioContext, indicator: string): Promise<void> {
  const response = await ctx.client.post(
    '/transactions',
    transfer({
      reference: `${ctx.run_id}-fund-${indicator}`,
      source: `@${ctx.run_id}-funding`,
      destination: indicator,
      amount: HOT_FUNDING_AMOUNT,
      skip_queue: true,
    }),
  );
  if (response.status !== 201) throw new Error(`funding ${indicator} failed: ${response.status} ${response.text}`);
}

/** A transfer probe: the engine's POST /transactions answers 201. */
async function probeTransfers(ctx: ScenarioContext, skip_queue: boolean): Promise<string | undefined> {
  const response = await ctx.client.post(
    '/transactions',
    transfer({
      reference: `${ctx.run_id}-probe`,
      source: `@${ctx.run_id}-probe-a`,
      destination: `@${ctx.run_id}-probe-b`,
      amount: 1,
      skip_queue,
    }),
  );
  return response.status === 201 ? undefined : `POST /transactions answered ${errorLabel(response)}`;
}

type TransferPick = (ctx: ScenarioContext, k: number) => { source: string; destination: string; allow_overdraft: boolean };

function transferScenario(
  name: string,
  description: string,
  default_rate_per_s: number,
  pick: TransferPick,
  options: { hot_funded?: string; phases?: Scenario['phases'] } = {},
): (skip_queue: boolean) => Scenario {
  return (skip_queue) => ({
    name,
    description,
    skip_queue,
    default_rate_per_s,
    phases: options.phases ?? steady,
    async setup(ctx) {
      const reason = await probeTransfers(ctx, skip_queue);
      if (reason) return reason;
      if (options.hot_funded) await fund(ctx, `@${ctx.run_id}-${options.hot_funded}`);
      return undefined;
    },
    op(ctx, k) {
      return postTransfer(ctx, { reference: `${ctx.run_id}-${k}`, amount: amount(k), skip_queue, ...pick(ctx, k) });
    },
  });
}

const fresh = (ctx: ScenarioContext, k: number, side: string) => `@${ctx.run_id}-${k}-${side}`;

const baseline = transferScenario('baseline', 'random new indicator pairs', 500, (ctx, k) => ({
  source: fresh(ctx, k, 's'),
  destination: fresh(ctx, k, 'd'),
  allow_overdraft: true,
}));

const spikeScenario = transferScenario(
  'spike',
  'random new pairs, rate x -> 3x -> x (Blnk: 200 -> 600 -> 200)',
  200,
  (ctx, k) => ({ source: fresh(ctx, k, 's'), destination: fresh(ctx, k, 'd'), allow_overdraft: true }),
  { phases: spike },
);

/** Blnk's contention mix: 308 of 440 req/s (70%) on one hot pair, the rest random. */
const contention = transferScenario('contention', '70% one hot pair, 30% random new pairs', 440, (ctx, k) =>
  k % 10 < 7
    ? { source: `@${ctx.run_id}-hot-a`, destination: `@${ctx.run_id}-hot-b`, allow_overdraft: true }
    : { source: fresh(ctx, k, 's'), destination: fresh(ctx, k, 'd'), allow_overdraft: true },
);

const hotSource = transferScenario(
  'hot-source',
  'every transfer debits one funded balance, no overdraft',
  500,
  (ctx, k) => ({ source: `@${ctx.run_id}-hot`, destination: fresh(ctx, k, 'd'), allow_overdraft: false }),
  { hot_funded: 'hot' },
);

const hotDestination = transferScenario('hot-destination', 'every transfer credits one balance', 500, (ctx, k) => ({
  source: fresh(ctx, k, 's'),
  destination: `@${ctx.run_id}-hot`,
  allow_overdraft: true,
}));

const BULK_LEGS = 4;

function bulkBody(ctx: ScenarioContext, k: number, skip_queue: boolean) {
  const transactions = Array.from({ length: BULK_LEGS }, (_, leg) =>
    transfer({
      reference: `${ctx.run_id}-${k}-${leg}`,
      source: fresh(ctx, k, `s${leg}`),
      destination: fresh(ctx, k, `d${leg}`),
      amount: amount(k + leg),
    }),
  );
  return { atomic: true, inflight: false, run_async: false, skip_queue, transactions };
}

const bulk = (skip_queue: boolean): Scenario => ({
  name: 'bulk',
  description: `atomic bulks of ${BULK_LEGS} transfers (one request each)`,
  skip_queue,
  default_rate_per_s: 100,
  phases: steady,
  async setup(ctx) {
    const response = await ctx.client.post('/transactions/bulk', bulkBody(ctx, -1, skip_queue));
    return response.status === 201 ? undefined : `POST /transactions/bulk answered ${errorLabel(response)}`;
  },
  async op(ctx, k) {
    const body = bulkBody(ctx, k, skip_queue);
    const response = await ctx.client.post('/transactions/bulk', body);
    if (response.status !== 201) return verdict(response, 201);
    for (const item of body.transactions) {
      const reference = item.reference as string;
      ctx.accepted_references.push(reference);
      ctx.outcome_references.push(skip_queue ? reference : `${reference}_q`);
    }
    return { ok: true };
  },
});

/** Creates an inflight transfer and commits it in full: one operation, two requests. */
async function inflightThenCommit(ctx: ScenarioContext, k: number, skip_queue: boolean): Promise<OpOutcome> {
  const reference = `${ctx.run_id}-${k}`;
  const created = await ctx.client.post(
    '/transactions',
    transfer({
      reference,
      source: fresh(ctx, k, 's'),
      destination: fresh(ctx, k, 'd'),
      amount: amount(k),
      inflight: true,
      skip_queue,
    }),
  );
  if (created.status !== 201) return verdict(created, 201);
  ctx.accepted_references.push(reference);
  const committed = await ctx.client.put(`/transactions/inflight/${field(created, 'transaction_id')}`, {
    status: 'commit',
    skip_queue,
  });
  if (committed.status !== 200) return { ok: false, error: `commit ${errorLabel(committed)}` };
  ctx.outcome_references.push(skip_queue ? reference : `${reference}_q`);
  return { ok: true };
}

const inflight = (skip_queue: boolean): Scenario => ({
  name: 'inflight',
  description: 'create an inflight transfer, then commit it (2 requests per operation)',
  skip_queue,
  default_rate_per_s: 200,
  phases: steady,
  async setup(ctx) {
    const outcome = await inflightThenCommit(ctx, -1, skip_queue);
    return outcome.ok ? undefined : `inflight create/commit answered ${outcome.error}`;
  },
  op: (ctx, k) => inflightThenCommit(ctx, k, skip_queue),
});

const SPLIT_DESTINATIONS = 3;

async function postSplit(ctx: ScenarioContext, k: number, skip_queue: boolean): Promise<OpOutcome> {
  const reference = `${ctx.run_id}-${k}`;
  const body = {
    ...transfer({ reference, source: fresh(ctx, k, 's'), destination: '', amount: amount(k, 10), skip_queue }),
    destination: undefined,
    destinations: [
      { identifier: fresh(ctx, k, 'd0'), distribution: '50%' },
      { identifier: fresh(ctx, k, 'd1'), distribution: '30%' },
      { identifier: fresh(ctx, k, 'd2'), distribution: 'left' },
    ],
  };
  const response = await ctx.client.post('/transactions', body);
  if (response.status !== 201) return verdict(response, 201);
  // Legs are `<ref>_<n>` (queued, outcome `<ref>_<n>_q`) or `<ref>-<n>` (skip_queue).
  ctx.outcome_references.push(skip_queue ? `${reference}-${SPLIT_DESTINATIONS}` : `${reference}_${SPLIT_DESTINATIONS}_q`);
  return { ok: true };
}

const splits = (skip_queue: boolean): Scenario => ({
  name: 'splits',
  description: `one source to ${SPLIT_DESTINATIONS} destinations (50% / 30% / left)`,
  skip_queue,
  default_rate_per_s: 200,
  phases: steady,
  async setup(ctx) {
    const outcome = await postSplit(ctx, -1, skip_queue);
    return outcome.ok ? undefined : `POST /transactions with destinations answered ${outcome.error}`;
  },
  op: (ctx, k) => postSplit(ctx, k, skip_queue),
});

/** An applied (skip_queue) transfer, then its refund through the scenario's path. */
async function transferThenRefund(ctx: ScenarioContext, k: number, skip_queue: boolean): Promise<OpOutcome> {
  const reference = `${ctx.run_id}-${k}`;
  const created = await ctx.client.post(
    '/transactions',
    transfer({ reference, source: fresh(ctx, k, 's'), destination: fresh(ctx, k, 'd'), amount: amount(k), skip_queue: true }),
  );
  if (created.status !== 201) return verdict(created, 201);
  ctx.accepted_references.push(reference);
  const id = field(created, 'transaction_id');
  const refunded = await ctx.client.post(`/refund-transaction/${id}`, { skip_queue });
  if (refunded.status !== 201) return { ok: false, error: `refund ${errorLabel(refunded)}` };
  ctx.outcome_references.push(skip_queue ? `${id}_refund` : `${id}_refund_q`);
  return { ok: true };
}

const refunds = (skip_queue: boolean): Scenario => ({
  name: 'refunds',
  description: 'an applied transfer, then its refund (2 requests per operation)',
  skip_queue,
  default_rate_per_s: 200,
  phases: steady,
  async setup(ctx) {
    const outcome = await transferThenRefund(ctx, -1, skip_queue);
    return outcome.ok ? undefined : `transfer/refund answered ${outcome.error}`;
  },
  op: (ctx, k) => transferThenRefund(ctx, k, skip_queue),
});

const FACTORIES: Record<string, (skip_queue: boolean) => Scenario> = {
  baseline,
  contention,
  'hot-source': hotSource,
  'hot-destination': hotDestination,
  spike: spikeScenario,
  bulk,
  inflight,
  splits,
  refunds,
};

export const SCENARIO_NAMES = Object.keys(FACTORIES);

/** `name` or `name:skip` (the skip_queue form). */
export function scenarioByName(spec: string): Scenario {
  const [name, variant] = spec.split(':');
  const factory = FACTORIES[name];
  if (!factory || (variant !== undefined && variant !== 'skip')) {
    throw new Error(`unknown scenario "${spec}"; known: ${SCENARIO_NAMES.join(', ')} (add :skip for skip_queue)`);
  }
  return factory(variant === 'skip');
}

export function scenarioLabel(scenario: Pick<Scenario, 'name' | 'skip_queue'>): string {
  return scenario.skip_queue ? `${scenario.name}:skip` : scenario.name;
}
