// One row per scenario run, and the text table printed by `npm run bench` and kept in BENCHMARKS.md.
import type { InvariantReport } from './invariants.js';
import type { LatencySummary, PhaseResult } from './load.js';

export interface ScenarioResult {
  scenario: string;
  description: string;
  database: 'postgres' | 'embedded';
  rate_per_s: number;
  duration_s: number;
  status: 'ok' | 'not available' | 'failed';
  reason?: string;
  load_average_start: string;
  operations?: number;
  accepted_per_s?: number;
  /** Transfers with an outcome written per second, from the first due time until the queue drained. */
  applied_per_s?: number;
  applied_transfers?: number;
  drain_s?: number;
  ceiling_ratio?: number;
  /** The ceiling (transfers/s) the ratio was computed against, measured in the same run. */
  ceiling_tps?: number;
  latency?: LatencySummary;
  phases?: PhaseResult[];
  errors?: number;
  error_rate?: number;
  error_kinds?: Record<string, number>;
  /** Server CPU (user + system) per applied transfer, from the load's start until drained. */
  server_cpu_ms_per_transfer?: number;
  rss_peak_mib?: number;
  rss_end_mib?: number;
  /** Peak RSS of each minute of load (runs of two minutes or more). */
  rss_per_minute_mib?: number[];
  /** Queued transactions committed after the generator's drain check, applied after the server stopped. */
  applied_after_stop?: number;
  invariants?: InvariantReport;
}

/** Blnk's k6 thresholds: failed requests < 0.1%, p95 < 300 ms, p99 < 600 ms. */
export function passesBlnkBar(result: ScenarioResult): boolean {
  if (result.status !== 'ok' || !result.latency) return false;
  return (result.error_rate ?? 1) < 0.001 && result.latency.p95_ms < 300 && result.latency.p99_ms < 600;
}

const fixed = (value: number | undefined, digits = 0) => (value === undefined ? '-' : value.toFixed(digits));

export const TABLE_COLUMNS = [
  'scenario',
  'db',
  'rate/s',
  's',
  'accepted/s',
  'applied/s',
  'x ceiling',
  'p50 ms',
  'p95 ms',
  'p99 ms',
  'errors',
  'RSS MiB',
  'CPU ms/transfer',
  'violations',
  'Blnk bar',
];

export function tableRow(r: ScenarioResult): string[] {
  if (r.status !== 'ok') {
    return [r.scenario, r.database, fixed(r.rate_per_s), fixed(r.duration_s), r.status, '', '', '', '', '', '', '', '', '', ''];
  }
  return [
    r.scenario,
    r.database,
    fixed(r.rate_per_s),
    fixed(r.duration_s),
    fixed(r.accepted_per_s),
    fixed(r.applied_per_s),
    r.ceiling_ratio === undefined ? '-' : `${r.ceiling_ratio.toFixed(2)}x`,
    fixed(r.latency?.p50_ms, 1),
    fixed(r.latency?.p95_ms, 1),
    fixed(r.latency?.p99_ms, 1),
    `${r.errors ?? 0} (${((r.error_rate ?? 0) * 100).toFixed(2)}%)`,
    `${fixed(r.rss_peak_mib)} / ${fixed(r.rss_end_mib)}`,
    fixed(r.server_cpu_ms_per_transfer, 2),
    String(r.invariants?.violations.length ?? '-'),
    passesBlnkBar(r) ? 'pass' : 'FAIL',
  ];
}

export function formatTable(results: readonly ScenarioResult[], options: { header: boolean }): string {
  const widths = [16, 8, 6, 4, 10, 9, 9, 7, 7, 7, 13, 11, 15, 10, 8];
  const line = (cells: string[]) =>
    cells.map((cell, i) => cell.padStart(i === 0 ? 0 : widths[i]).padEnd(i === 0 ? widths[0] : 0)).join(' ');
  const rows = results.map((r) => line(tableRow(r)));
  return (options.header ? [line(TABLE_COLUMNS), ...rows] : rows).join('\n');
}

export function markdownTable(results: readonly ScenarioResult[]): string {
  const head = `| ${TABLE_COLUMNS.join(' | ')} |`;
  const rule = `|${TABLE_COLUMNS.map((_, i) => (i < 2 ? '---' : '---:')).join('|')}|`;
  return [head, rule, ...results.map((r) => `| ${tableRow(r).join(' | ')} |`)].join('\n');
}
