// Matching rules (blnk-contract.md platform §10.2): a rule holds when all its criteria hold; a record matches
// when any one of the run's rules holds. Checked with Blnk's messages, under RECON_RULE_INVALID.
import { ApiError } from '../errors.js';
import { decimalText } from '../ledger/money.js';
import { isPlainObject } from '../http/validation.js';

export const CRITERION_FIELDS = ['amount', 'date', 'description', 'reference', 'currency'] as const;
export const CRITERION_OPERATORS = ['equals', 'greater_than', 'less_than', 'contains'] as const;
export type CriterionField = (typeof CRITERION_FIELDS)[number];
export type CriterionOperator = (typeof CRITERION_OPERATORS)[number];

export interface Criterion {
  field: CriterionField;
  operator: CriterionOperator;
  value: string;
  pattern: string;
  /** Exact decimal text: a fraction for amounts, seconds for dates, a percentage for `contains`. */
  allowable_drift: string;
}

export interface RuleInput {
  name: string;
  description: string;
  criteria: Criterion[];
}

/** Characters a rule's name and description may have (a rule is configuration, not a document). */
const RULE_TEXT_CHARS_MAX = 1000;
const CRITERIA_MAX = 50;

function invalid(message: string): ApiError {
  return new ApiError('RECON_RULE_INVALID', message);
}

function optionalText(value: unknown, field: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw invalid(`${field} must be a string`);
  if (value.length > RULE_TEXT_CHARS_MAX) throw invalid(`${field} must have at most ${RULE_TEXT_CHARS_MAX} characters`);
  return value;
}

/** A drift as exact decimal text: JSON numbers arrive as numbers, or as bigints past 2^53. */
function driftText(value: unknown): string {
  if (value === undefined || value === null) return '0';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' && Number.isFinite(value)) return decimalText(value);
  throw invalid('allowable_drift must be a number');
}

function criterion(value: unknown): Criterion {
  if (!isPlainObject(value)) throw invalid('each criteria must be an object');
  const { field, operator } = value;
  if (typeof field !== 'string' || typeof operator !== 'string' || field === '' || operator === '') {
    throw invalid('field and operator are required for each criteria');
  }
  if (!(CRITERION_OPERATORS as readonly string[]).includes(operator)) throw invalid('invalid operator');
  if (!(CRITERION_FIELDS as readonly string[]).includes(field)) throw invalid('invalid field');
  const allowable_drift = driftText(value.allowable_drift);
  const drift = Number(allowable_drift);
  if (field === 'amount' && operator === 'equals' && (drift < 0 || drift > 1)) {
    throw invalid('drift for amount must be between 0 and 1 (a fraction: 0.01 is 1%)');
  }
  if (field === 'date' && operator === 'equals' && drift < 0) throw invalid('drift for date must be non-negative (seconds)');
  if (drift < 0) throw invalid('allowable_drift must be non-negative');
  return {
    field: field as CriterionField,
    operator: operator as CriterionOperator,
    value: optionalText(value.value, 'value'),
    pattern: optionalText(value.pattern, 'pattern'),
    allowable_drift,
  };
}

/** The rule of a create or update body, or 400 RECON_RULE_INVALID with Blnk's message. */
export function parseRule(body: unknown): RuleInput {
  if (!isPlainObject(body)) throw new ApiError('GEN_MALFORMED_REQUEST', 'Invalid request body');
  const name = optionalText(body.name, 'name');
  if (name.trim() === '') throw invalid('rule name is required');
  const description = optionalText(body.description, 'description');
  const { criteria } = body;
  if (criteria !== undefined && criteria !== null && !Array.isArray(criteria)) throw invalid('criteria must be an array');
  if (!Array.isArray(criteria) || criteria.length === 0) throw invalid('at least one matching criteria is required');
  if (criteria.length > CRITERIA_MAX) throw invalid(`a rule has at most ${CRITERIA_MAX} criteria`);
  return { name, description, criteria: criteria.map(criterion) };
}
