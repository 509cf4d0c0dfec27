// `npm run bench`: the ceiling (pgbench, when PostgreSQL is given), then each scenario against a
// fresh database and a fresh Kassa child process, then the invariant check. Prints one table; with
// --record, also stores the rows in bench/results.json and rewrites BENCHMARKS.md's table and chart.
import { Command, Option } from 'commander';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { measureCeiling, type CeilingResult } from './ceiling.js';
import { waitForOutcomes } from './drain.js';
import { BenchClient } from './http.js';
import { checkInvariants, drainQueue } from './invariants.js';
import { runOpenLoop } from './load.js';
import { recordResults } from './record.js';
import { formatTable, type ScenarioResult } from './report.js';
import { scenarioByName, scenarioLabel, SCENARIO_NAMES, type Scenario, type ScenarioContext } from './scenarios.js';
import { combineChildren, createBenchDatabase, RssSampler, startKassaChild, type KassaChild } from './server.js';

const STANDARD_SET = [
  'baseline',
  'contention',
  'hot-source',
  'hot-destination',
  'spike',
  'bulk',
  'inflight',
  'splits',
  'refunds',
  'baseline:skip',
  'contention:skip',
  'hot-source:skip',
  'bulk:skip',
  'inflight:skip',
  'splits:skip',
  'refunds:skip',
];

interface Options {
  scenario?: string;
  rate?: number;
  duration: number;
  databaseUrl?: string;
  embedded: boolean;
  inFlightMax: number;
  timeoutMs: number;
  drainTimeout: number;
  ceiling: boolean;
  ceilingDuration: number;
  ceilingClients: number;
  pgbench: string;
  env: string[];
  cpuProf?: string;
  record: boolean;
  note?: string;
  kassaDir: string;
  workerProcess: boolean;
  searchStructures: 'with' | 'without' | 'both';
  rounds: number;
}

/**
 * What search keeps current on every write (migrations 014, 016 and 017): the trigram indexes and the
 * indexed word column. Dropped for a `-search` run, to measure what keeping them costs.
 */
const DROP_SEARCH_STRUCTURES = `
  DROP INDEX IF EXISTS transactions_reference_trgm_idx, transactions_description_trgm_idx;
  ALTER TABLE transactions DROP COLUMN IF EXISTS search_words;`;

/** The checkout this bench belongs to: where results are written and, by default, Kassa runs from. */
const REPO_DIR = fileURLToPath(new URL('..', import.meta.url));

const number = (value: string) => {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new Error(`not a positive number: ${value}`);
  return parsed;
};

const program = new Command('bench')
  .description('open-loop load scenarios against a fresh Kassa, with the pgbench ceiling and invariant checks')
  .option(
    '--scenario <names>',
    `comma-separated: ${SCENARIO_NAMES.join(', ')}; ":skip" for skip_queue (default: the standard set)`,
  )
  .option('--rate <per_s>', "arrival rate in operations/s (default: each scenario's own)", number)
  .option('--duration <s>', 'seconds of load per scenario', number, 10)
  .addOption(
    new Option('--database-url <url>', 'PostgreSQL server for fresh databases (default: embedded)').env(
      'KASSA_BENCH_DATABASE_URL',
    ),
  )
  .option('--embedded', 'use the embedded database even if a URL is configured', false)
  .option('--in-flight-max <n>', 'bound on operations in flight', number, 1000)
  .option('--timeout-ms <ms>', 'per-request timeout', number, 30_000)
  .option('--drain-timeout <s>', 'bound on waiting for queued outcomes after the load', number, 300)
  .option('--no-ceiling', 'skip the pgbench ceiling')
  .option('--ceiling-duration <s>', 'seconds per pgbench case', number, 10)
  .option('--ceiling-clients <n>', 'pgbench clients', number, 16)
  .option('--pgbench <path>', 'pgbench binary', '/usr/bin/pgbench')
  .option('--env <KEY=VALUE...>', 'extra settings for the Kassa process', [])
  .option('--cpu-prof <dir>', 'write a V8 CPU profile of the Kassa process to this folder')
  .option('--record', 'store the rows in bench/results.json and rewrite BENCHMARKS.md and docs/bench.svg', false)
  .option('--kassa-dir <dir>', 'run the Kassa source of another checkout (to compare builds)', REPO_DIR)
  .option(
    '--worker-process',
    'PostgreSQL only: apply the queue in a second process (`kassa workers`); the HTTP process only accepts',
    false,
  )
  .addOption(
    new Option(
      '--search-structures <mode>',
      "PostgreSQL only: 'without' drops search's indexes before the load (rows marked -search); 'both' runs each scenario with and then without",
    )
      .choices(['with', 'without', 'both'])
      .default('with'),
  )
  .option('--rounds <n>', 'run the scenario list this many times, alternating builds and variants alike', number, 1)
  .option('--note <text>', 'load conditions to record with the rows (e.g. "machine busy")');

function parseEnv(pairs: string[]): Record<string, string> {
  return Object.fromEntries(
    pairs.map((pair) => {
      const at = pair.indexOf('=');
      if (at <= 0) throw new Error(`--env expects KEY=VALUE, got ${pair}`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
}

function loadAverage(): string {
  return loadavg()
    .map((value) => value.toFixed(1))
    .join(' ');
}

async function runScenario(
  scenario: Scenario,
  options: Options,
  ceiling: CeilingResult[],
  withoutSearch: boolean,
): Promise<ScenarioResult> {
  const admin_url = options.embedded ? undefined : options.databaseUrl;
  const split = options.workerProcess && admin_url !== undefined;
  const label = scenarioLabel(scenario) + (split ? ' +worker' : '') + (withoutSearch ? ' -search' : '');
  const rate_per_s = options.rate ?? scenario.default_rate_per_s;
  const base: ScenarioResult = {
    scenario: label,
    description: scenario.description,
    database: admin_url ? 'postgres' : 'embedded',
    rate_per_s,
    duration_s: options.duration,
    status: 'ok',
    load_average_start: loadAverage(),
  };
  const database = await createBenchDatabase(admin_url);
  const node_args = options.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProf}`] : [];
  try {
    const env = parseEnv(options.env);
    let child: KassaChild;
    if (split) {
      const api = await startKassaChild(database, {
        env: { ...env, KASSA_WORKER_ENABLED: 'false' },
        node_args,
        kassa_dir: options.kassaDir,
      });
      const worker = await startKassaChild(database, { env, node_args, kassa_dir: options.kassaDir, command: 'workers' }).catch(
        async (error: unknown) => {
          await api.stop();
          throw error;
        },
      );
      child = combineChildren([api, worker]);
    } else {
      child = await startKassaChild(database, { env, node_args, kassa_dir: options.kassaDir });
    }
    if (withoutSearch) {
      const db = await database.open();
      await db.exec(DROP_SEARCH_STRUCTURES).finally(() => db.close());
    }
    const client = new BenchClient(child.url, options.inFlightMax, options.timeoutMs);
    const ctx: ScenarioContext = {
      client,
      run_id: randomBytes(4).toString('hex'),
      accepted_references: [],
      outcome_references: [],
    };
    let sampler: RssSampler | undefined;
    try {
      const reason = await scenario.setup(ctx);
      if (reason) return { ...base, status: 'not available', reason };
      ctx.outcome_references.length = 0;
      sampler = new RssSampler(child.rssMiB, 500);
      const cpu_start_s = child.cpuSeconds();
      const load = await runOpenLoop({
        phases: scenario.phases(rate_per_s, options.duration),
        in_flight_max: options.inFlightMax,
        op: (k) => scenario.op(ctx, k),
      });
      let drained_at_ms = load.finished_at_ms;
      if (!scenario.skip_queue && ctx.outcome_references.length > 0) {
        try {
          drained_at_ms = await waitForOutcomes(client, ctx.outcome_references, options.drainTimeout * 1000);
        } catch (error) {
          // Keep the load figures; the run fails and the invariant check is skipped.
          base.status = 'failed';
          base.reason = error instanceof Error ? error.message : String(error);
          drained_at_ms = performance.now();
        }
      }
      sampler.stop();
      const cpu_end_s = child.cpuSeconds();
      const applied_s = (drained_at_ms - load.started_at_ms) / 1000;
      const ceilingCase = ceiling.find((c) => c.name === (scenario.name === 'hot-source' ? 'hot balance' : 'random pairs'));
      const applied_per_s = ctx.outcome_references.length / applied_s;
      Object.assign(base, {
        operations: load.scheduled,
        accepted_per_s: load.ok / load.elapsed_s,
        applied_per_s,
        applied_transfers: ctx.outcome_references.length,
        drain_s: (drained_at_ms - load.finished_at_ms) / 1000,
        ceiling_ratio: ceilingCase ? applied_per_s / ceilingCase.tps : undefined,
        ceiling_tps: ceilingCase?.tps,
        latency: load.latency,
        phases: load.phases.length > 1 ? load.phases : undefined,
        errors: load.errors,
        error_rate: load.errors / Math.max(1, load.scheduled),
        error_kinds: load.error_kinds,
        server_cpu_ms_per_transfer:
          cpu_start_s !== undefined && cpu_end_s !== undefined && ctx.outcome_references.length > 0
            ? ((cpu_end_s - cpu_start_s) * 1000) / ctx.outcome_references.length
            : undefined,
        rss_peak_mib: sampler.peak_mib,
        rss_end_mib: sampler.last_mib,
        rss_per_minute_mib: options.duration >= 120 ? sampler.windowPeaks(60_000) : undefined,
      });
    } finally {
      sampler?.stop();
      client.close();
      await child.stop();
    }
    if (base.status !== 'ok') return base;
    const db = await database.open();
    try {
      // Requests the generator gave up on (timeouts) may have been committed after the drain check:
      // they are safe in the queue, and are applied here before the check, as a restart would.
      base.applied_after_stop = await drainQueue(db);
      const report = await checkInvariants(db, ctx.accepted_references);
      base.invariants = report;
    } finally {
      await db.close();
    }
    return base;
  } catch (error) {
    return { ...base, status: 'failed', reason: error instanceof Error ? error.message : String(error) };
  } finally {
    await database.drop().catch(() => {});
  }
}

async function main(): Promise<void> {
  program.parse();
  const options = program.opts<Options>();
  const names = options.scenario ? options.scenario.split(',').map((s) => s.trim()) : STANDARD_SET;
  const scenarios = names.map(scenarioByName);
  const admin_url = options.embedded ? undefined : options.databaseUrl;
  const started = new Date();
  console.log(
    `kassa bench ${started.toISOString()} · database: ${admin_url ? 'postgres (fresh database per scenario)' : 'embedded (fresh data folder per scenario)'} · load average ${loadAverage()}`,
  );
  let ceiling: CeilingResult[] = [];
  if (!options.ceiling) {
    console.log('ceiling: skipped (--no-ceiling)');
  } else if (!admin_url) {
    console.log('ceiling: skipped (needs PostgreSQL: --database-url or KASSA_BENCH_DATABASE_URL)');
  } else {
    const t0 = performance.now();
    ceiling = await measureCeiling({
      admin_url,
      duration_s: options.ceilingDuration,
      clients: options.ceilingClients,
      pgbench_path: options.pgbench,
    });
    for (const c of ceiling) {
      console.log(
        `ceiling: ${c.name}: ${c.tps.toFixed(0)} transfers/s (pgbench, ${c.clients} clients, one transfer per commit, ${c.duration_s} s)`,
      );
    }
    console.log(`ceiling measured in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  if (options.searchStructures !== 'with' && !admin_url) throw new Error('--search-structures needs PostgreSQL');
  const variants = { with: [false], without: [true], both: [false, true] }[options.searchStructures];
  const runs = Array.from({ length: options.rounds }, () =>
    scenarios.flatMap((scenario) => variants.map((withoutSearch) => ({ scenario, withoutSearch }))),
  ).flat();
  const results: ScenarioResult[] = [];
  for (const { scenario, withoutSearch } of runs) {
    const result = await runScenario(scenario, options, ceiling, withoutSearch);
    results.push(result);
    console.log(formatTable([result], { header: results.length === 1 }));
    if (result.status !== 'ok') console.log(`  ${result.scenario}: ${result.status}: ${result.reason}`);
    for (const violation of result.invariants?.violations ?? [])
      console.log(`  ${result.scenario}: INVARIANT VIOLATION: ${violation}`);
    if (result.applied_after_stop)
      console.log(
        `  ${result.scenario}: ${result.applied_after_stop} late-committed queued transactions applied after the server stopped`,
      );
    if (result.errors) console.log(`  ${result.scenario}: errors ${JSON.stringify(result.error_kinds)}`);
    if (result.rss_per_minute_mib) {
      console.log(
        `  ${result.scenario}: RSS peak per minute (MiB): ${result.rss_per_minute_mib.map((mib) => mib.toFixed(0)).join(' ')}`,
      );
    }
  }
  const run = { started_at: started.toISOString(), load_average_end: loadAverage(), note: options.note, ceiling, results };
  mkdirSync(join(REPO_DIR, 'bench/results'), { recursive: true });
  const file = join(REPO_DIR, `bench/results/run-${started.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(run, null, 2));
  console.log(`\nresults: ${file}`);
  if (options.record) {
    recordResults(run, REPO_DIR);
    console.log('recorded: bench/results.json, BENCHMARKS.md, docs/bench.svg');
  }
  const violations = results.reduce((n, r) => n + (r.invariants?.violations.length ?? 0), 0);
  const failed = results.filter((r) => r.status === 'failed').length;
  if (violations > 0 || failed > 0) {
    console.log(`${violations} invariant violations, ${failed} failed scenarios`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : String(error));
  process.exit(1);
});
