// Matching rules and finished work as the routes read and keep them: a rule created, read, listed,
// replaced or deleted; a run read with its matches and unmatched ids, page by page.
import type { Database } from '../db/database.js';
import { deleteRule, findRules, insertRule, listRules, updateRule, type RuleRow } from '../db/matching-rules.js';
import { findRun, listMatches, listUnmatched, type MatchRow, type RunRow } from '../db/reconciliations.js';
import { ApiError } from '../errors.js';
import { newId } from '../ids.js';
import type { RuleInput as Rule } from './rules.js';

const ruleNotFound = () => new ApiError('RECON_RULE_NOT_FOUND', 'Matching rule not found');

export class ReconciliationRecords {
  constructor(private readonly db: Database) {}

  createRule(rule: Rule): Promise<RuleRow> {
    return insertRule(this.db, newId('rule'), rule);
  }

  listRules(limit: number, offset: number): Promise<RuleRow[]> {
    return listRules(this.db, limit, offset);
  }

  async readRule(rule_id: string): Promise<RuleRow> {
    const [rule] = await findRules(this.db, [rule_id]);
    if (!rule) throw ruleNotFound();
    return rule;
  }

  async replaceRule(rule_id: string, rule: Rule): Promise<RuleRow> {
    const replaced = await updateRule(this.db, rule_id, rule);
    if (!replaced) throw ruleNotFound();
    return replaced;
  }

  async deleteRule(rule_id: string): Promise<void> {
    if (!(await deleteRule(this.db, rule_id))) throw ruleNotFound();
  }

  async readRun(reconciliation_id: string): Promise<RunRow> {
    const run = await findRun(this.db, reconciliation_id);
    if (!run) throw new ApiError('RECON_NOT_FOUND', 'Reconciliation not found');
    return run;
  }

  matches(reconciliation_id: string, limit: number, offset: number): Promise<MatchRow[]> {
    return listMatches(this.db, reconciliation_id, limit, offset);
  }

  unmatched(reconciliation_id: string, limit: number, offset: number): Promise<string[]> {
    return listUnmatched(this.db, reconciliation_id, limit, offset);
  }
}
