// What the reconciliation routes answer: Blnk's shapes, with Kassa's additions after Blnk's keys.
import type { RuleRow } from '../db/matching-rules.js';
import type { MatchRow, RunRow } from '../db/reconciliations.js';
import { exactNumber } from '../json.js';

/** A run as GET /reconciliation/:id shows it (and the reconciliation.* events carry it). */
export function runView(run: RunRow): Record<string, unknown> {
  return {
    reconciliation_id: run.reconciliation_id,
    upload_id: run.upload_id,
    status: run.status,
    matched_transactions: Number(run.matched_transactions),
    unmatched_transactions: Number(run.unmatched_transactions),
    is_dry_run: run.dry_run,
    started_at: run.started_at,
    completed_at: run.completed_at,
    // Kassa's own: what the run does and how far it is.
    strategy: run.strategy,
    matching_rule_ids: run.matching_rule_ids,
    grouping_criteria: run.grouping_criteria,
    processed: Number(run.processed),
    total: Number(run.total),
  };
}

export function ruleView(rule: RuleRow): Record<string, unknown> {
  return {
    rule_id: rule.rule_id,
    created_at: rule.created_at,
    updated_at: rule.updated_at,
    name: rule.name,
    description: rule.description,
    criteria: rule.criteria.map((criterion) => ({ ...criterion, allowable_drift: exactNumber(criterion.allowable_drift) })),
  };
}

export function matchView(match: MatchRow): Record<string, unknown> {
  return { ...match, amount: exactNumber(match.amount) };
}
