// Matching rules (migration 015). `updated_at` is stored on update (Blnk answers "now" and keeps the old value).
import type { Queryable } from './database.js';
import type { Criterion, RuleInput } from '../reconciliation/rules.js';

export interface RuleRow {
  rule_id: string;
  name: string;
  description: string;
  criteria: Criterion[];
  created_at: string;
  updated_at: string;
}

const COLUMNS = 'rule_id, name, description, criteria, created_at, updated_at';

export async function insertRule(db: Queryable, rule_id: string, rule: RuleInput): Promise<RuleRow> {
  const rows = await db.query<RuleRow>(
    `INSERT INTO matching_rules (rule_id, name, description, criteria) VALUES ($1, $2, $3, $4::jsonb) RETURNING ${COLUMNS}`,
    [rule_id, rule.name, rule.description, JSON.stringify(rule.criteria)],
  );
  return rows[0];
}

export async function updateRule(db: Queryable, rule_id: string, rule: RuleInput): Promise<RuleRow | undefined> {
  const rows = await db.query<RuleRow>(
    `UPDATE matching_rules SET name = $2, description = $3, criteria = $4::jsonb, updated_at = now()
     WHERE rule_id = $1 RETURNING ${COLUMNS}`,
    [rule_id, rule.name, rule.description, JSON.stringify(rule.criteria)],
  );
  return rows[0];
}

export async function deleteRule(db: Queryable, rule_id: string): Promise<boolean> {
  const rows = await db.query('DELETE FROM matching_rules WHERE rule_id = $1 RETURNING rule_id', [rule_id]);
  return rows.length > 0;
}

export async function findRules(db: Queryable, rule_ids: readonly string[]): Promise<RuleRow[]> {
  return db.query<RuleRow>(`SELECT ${COLUMNS} FROM matching_rules WHERE rule_id = ANY($1::text[])`, [rule_ids]);
}

/** Newest first. */
export async function listRules(db: Queryable, limit: number, offset: number): Promise<RuleRow[]> {
  return db.query<RuleRow>(`SELECT ${COLUMNS} FROM matching_rules ORDER BY created_at DESC, rule_id DESC LIMIT $1 OFFSET $2`, [
    limit,
    offset,
  ]);
}
