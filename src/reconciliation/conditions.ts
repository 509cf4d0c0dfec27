// Matching rules as SQL (blnk-contract.md platform §10.3), so that a run matches whole batches of records in
// the database. One side plays "ext" (a record, or in many_to_one an internal transaction), the other
// "int" (an internal transaction, or a group of either). Text values on the int side are split on
// " | " (a group's joined values), as Blnk splits them.
import type { Params } from '../db/params.js';
import type { Criterion } from './rules.js';

/** SQL expressions for one side's values. */
export interface Side {
  amount: string;
  date: string;
  reference: string;
  description: string;
  currency: string;
}

function parts(text: string): string {
  // Go's strings.Split("", " | ") is [""], PostgreSQL's string_to_array gives no element.
  return `unnest(CASE WHEN ${text} = '' THEN ARRAY[''] ELSE string_to_array(${text}, ' | ') END) AS part`;
}

function textCondition(operator: Criterion['operator'], ext: string, int: string, drift: () => string): string {
  if (operator === 'equals') return `EXISTS (SELECT 1 FROM ${parts(int)} WHERE lower(part) = lower(${ext}))`;
  if (operator === 'contains')
    return `EXISTS (SELECT 1 FROM ${parts(int)} WHERE reconciliation_contains(${ext}, part, ${drift()}))`;
  return 'false';
}

function criterionCondition(criterion: Criterion, ext: Side, int: Side, params: Params): string {
  // Bound only where used: a statement may not carry parameters it does not mention.
  const drift = () => `${params.add(criterion.allowable_drift)}::numeric`;
  const { field, operator } = criterion;
  switch (field) {
    case 'amount':
      if (operator === 'equals') return `abs(${ext.amount} - ${int.amount}) <= abs(${int.amount}) * ${drift()}`;
      if (operator === 'greater_than') return `${ext.amount} > ${int.amount}`;
      if (operator === 'less_than') return `${ext.amount} < ${int.amount}`;
      return 'false';
    case 'date':
      if (operator === 'equals') return `abs(extract(epoch FROM ${ext.date} - ${int.date})) <= ${drift()}`;
      if (operator === 'greater_than') return `${ext.date} > ${int.date}`;
      if (operator === 'less_than') return `${ext.date} < ${int.date}`;
      return 'false';
    case 'currency':
      // A group of several currencies passes any currency criterion (Blnk's MIXED).
      return `(${int.currency} = 'MIXED' OR ${textCondition(operator, ext.currency, int.currency, drift)})`;
    default:
      return textCondition(operator, ext[field], int[field], drift);
  }
}

/** True when any rule has all its criteria satisfied; `false` without rules. */
export function rulesCondition(rules: readonly (readonly Criterion[])[], ext: Side, int: Side, params: Params): string {
  if (rules.length === 0) return 'false';
  return rules
    .map((criteria) => `(${criteria.map((criterion) => criterionCondition(criterion, ext, int, params)).join(' AND ')})`)
    .join(' OR ');
}

/** Past this a date window (as an interval) overflows; the criterion itself still decides. */
const DATE_WINDOW_SECONDS_MAX = 1e11;

/**
 * Blnk's candidate windows (one_to_one): when any rule compares amounts (dates) for equality, only
 * internal transactions within the widest such drift of the record are candidates, whatever rule
 * they would match. The windows are what lets the indexes find candidates.
 */
export function candidateWindows(rules: readonly (readonly Criterion[])[], ext: Side, int: Side, params: Params): string[] {
  const widest = (field: 'amount' | 'date'): string | undefined => {
    const drifts = rules
      .flat()
      .filter((c) => c.field === field && c.operator === 'equals')
      .map((c) => c.allowable_drift);
    if (drifts.length === 0) return undefined;
    return drifts.reduce((a, b) => (Number(b) > Number(a) ? b : a));
  };
  const windows: string[] = [];
  const amount_drift = widest('amount');
  if (amount_drift !== undefined) {
    const delta = `abs(${ext.amount}) * ${params.add(amount_drift)}::numeric`;
    windows.push(`${int.amount} BETWEEN ${ext.amount} - ${delta} AND ${ext.amount} + ${delta}`);
  }
  const date_drift = widest('date');
  if (date_drift !== undefined) {
    const seconds = params.add(date_drift);
    // One window leads the index: amounts are selective, a day of transactions is not. Written as a
    // range, the planner would intersect both indexes and read every transaction of the period.
    if (amount_drift === undefined && Number(date_drift) <= DATE_WINDOW_SECONDS_MAX) {
      const delta = `${seconds}::float8 * interval '1 second'`;
      windows.push(`${int.date} BETWEEN ${ext.date} - ${delta} AND ${ext.date} + ${delta}`);
    } else {
      windows.push(`abs(extract(epoch FROM ${int.date} - ${ext.date})) <= ${seconds}::numeric`);
    }
  }
  return windows;
}
