// Starting a run (blnk-contract.md platform §10.5): the request is checked whole before anything is stored
// (Blnk stores the run first and lets an unknown rule fail it, an unknown upload complete 0/0, an
// unknown strategy match nothing), then the run is one row that a runner carries.
import type { Database } from '../db/database.js';
import { findRules } from '../db/matching-rules.js';
import { uploadExists } from '../db/reconciliation-uploads.js';
import { insertRun, type Strategy } from '../db/reconciliations.js';
import { ApiError } from '../errors.js';
import { newId } from '../ids.js';
import { AMOUNT_SIGNIFICANT_DIGITS_MAX, decimalText, significantDigits } from '../ledger/money.js';
import { isPlainObject } from '../http/validation.js';
import { externalRecord, RecordError, type ExternalRecord } from './records.js';
import type { Criterion } from './rules.js';
import { storeRecords, uploadError } from './store-upload.js';
import { GROUPING_COLUMNS, STRATEGIES } from './strategies.js';

/** Records one start-instant request may carry (Blnk's limit). */
export const INSTANT_RECORDS_MAX = 10_000;
const RULE_IDS_MAX = 100;

export interface StartRequest {
  strategy: Strategy;
  matching_rule_ids: string[];
  grouping_criteria: string;
  dry_run: boolean;
}

function malformed(message: string): ApiError {
  return new ApiError('GEN_MALFORMED_REQUEST', message);
}

function invalid(message: string): ApiError {
  return new ApiError('GEN_VALIDATION_ERROR', message);
}

/** The run's settings from a start or start-instant body. */
export function parseStart(body: Record<string, unknown>): StartRequest {
  const { strategy, matching_rule_ids, grouping_criteria, dry_run } = body;
  if (strategy === undefined || strategy === null || strategy === '') throw malformed('strategy is required');
  if (typeof strategy !== 'string') throw malformed('strategy must be a string');
  if (matching_rule_ids === undefined || matching_rule_ids === null) throw malformed('matching_rule_ids is required');
  if (!Array.isArray(matching_rule_ids) || !matching_rule_ids.every((id) => typeof id === 'string')) {
    throw malformed('matching_rule_ids must be an array of rule ids');
  }
  if (matching_rule_ids.length === 0) {
    throw new ApiError('RECON_MATCHING_RULES_REQUIRED', 'at least one matching rule ID is required');
  }
  if (matching_rule_ids.length > RULE_IDS_MAX) throw invalid(`matching_rule_ids may name at most ${RULE_IDS_MAX} rules`);
  if (!(STRATEGIES as readonly string[]).includes(strategy)) throw invalid(`strategy must be one of ${STRATEGIES.join(', ')}`);
  if (grouping_criteria !== undefined && grouping_criteria !== null && typeof grouping_criteria !== 'string') {
    throw malformed('grouping_criteria must be a string');
  }
  if (dry_run !== undefined && dry_run !== null && typeof dry_run !== 'boolean') throw malformed('dry_run must be a boolean');
  const grouping = grouping_criteria ?? '';
  if (strategy !== 'one_to_one') {
    const allowed = GROUPING_COLUMNS[strategy as Exclude<Strategy, 'one_to_one'>];
    if (!allowed.includes(grouping)) throw invalid(`grouping_criteria for ${strategy} must be one of ${allowed.join(', ')}`);
  }
  return {
    strategy: strategy as Strategy,
    matching_rule_ids: [...new Set(matching_rule_ids as string[])],
    grouping_criteria: strategy === 'one_to_one' ? '' : grouping,
    dry_run: dry_run === true,
  };
}

const INSTANT_PREFIX = 'external_transactions: ';

/** The records of a start-instant body, checked as an upload's records are. */
export function instantRecords(value: unknown): ExternalRecord[] {
  if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) {
    throw new ApiError('RECON_EXTERNAL_TXNS_REQUIRED', 'external_transactions is required and cannot be empty');
  }
  if (!Array.isArray(value)) throw malformed('external_transactions must be an array');
  if (value.length > INSTANT_RECORDS_MAX) {
    throw invalid(`external_transactions may hold at most ${INSTANT_RECORDS_MAX} records for an instant reconciliation`);
  }
  return value.map((item: unknown, i) => {
    const row = i + 1;
    try {
      if (!isPlainObject(item)) throw new RecordError(row, undefined, 'must be an object');
      // A JSON number with a fraction was read as a float: past 15 significant digits it is no longer
      // the number sent (an amount given as a string stays exact).
      if (
        typeof item.amount === 'number' &&
        Number.isFinite(item.amount) &&
        significantDigits(item.amount) > AMOUNT_SIGNIFICANT_DIGITS_MAX
      ) {
        throw new RecordError(
          row,
          'amount',
          `has more than ${AMOUNT_SIGNIFICANT_DIGITS_MAX} significant digits: send it as a string`,
        );
      }
      const amount = typeof item.amount === 'number' && Number.isFinite(item.amount) ? decimalText(item.amount) : item.amount;
      const fields = { ...item, amount: typeof amount === 'bigint' ? amount.toString() : amount };
      const source = typeof item.source === 'string' && item.source.trim() !== '' ? item.source.trim() : 'instant';
      return { ...externalRecord(fields, row), source };
    } catch (error) {
      throw uploadError(error, INSTANT_PREFIX);
    }
  });
}

/** The rules' criteria in the order named; 404 naming the first unknown rule. */
async function ruleCriteria(db: Database, rule_ids: readonly string[]): Promise<Criterion[][]> {
  const rules = new Map((await findRules(db, rule_ids)).map((rule) => [rule.rule_id, rule.criteria]));
  const unknown = rule_ids.find((id) => !rules.has(id));
  if (unknown !== undefined) throw new ApiError('RECON_RULE_NOT_FOUND', `matching rule ${unknown} not found`);
  return rule_ids.map((id) => rules.get(id)!);
}

/** Stores a run over an existing upload; answers its id. */
export async function startRun(db: Database, upload_id: string, start: StartRequest): Promise<string> {
  const rules = await ruleCriteria(db, start.matching_rule_ids);
  if (!(await uploadExists(db, upload_id))) throw new ApiError('RECON_UPLOAD_NOT_FOUND', `upload ${upload_id} not found`);
  const reconciliation_id = newId('recon');
  await insertRun(db, { reconciliation_id, upload_id, rules, ...start });
  return reconciliation_id;
}

/** Stores the records of a start-instant request as an `instant_…` upload and a run over it, together. */
export async function startInstantRun(db: Database, records: readonly ExternalRecord[], start: StartRequest): Promise<string> {
  const rules = await ruleCriteria(db, start.matching_rule_ids);
  const upload_id = newId('instant');
  const reconciliation_id = newId('recon');
  try {
    await db.transaction(async (tx) => {
      await storeRecords(tx, upload_id, 'instant', records);
      await insertRun(tx, { reconciliation_id, upload_id, rules, ...start });
    });
  } catch (error) {
    throw uploadError(error, INSTANT_PREFIX);
  }
  return reconciliation_id;
}
