// Matching rules compiled to SQL (src/reconciliation/conditions.ts) agree with a plain model of
// Blnk's rules (blnk-contract.md platform §10.3) on random records, transactions and rules, on the database
// the suite runs against: OR across rules, AND within; amount drift a fraction of the internal amount;
// date drift in seconds; text equality with any " | " part, case-insensitive; `contains` either way
// or within ⌊max length × drift / 100⌋ edits; a MIXED group passes any currency criterion.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { migrate } from '../../src/db/migrate.js';
import { Params } from '../../src/db/params.js';
import type { Database } from '../../src/db/database.js';
import { openDatabase } from '../../src/db/open.js';
import { rulesCondition, type Side } from '../../src/reconciliation/conditions.js';
import { CRITERION_FIELDS, CRITERION_OPERATORS, type Criterion } from '../../src/reconciliation/rules.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

interface Values {
  cents: bigint;
  epoch_s: number;
  reference: string;
  description: string;
  currency: string;
}

/** Edits between two sequences of characters (strings, or arrays of code points). */
function levenshtein(a: ArrayLike<string>, b: ArrayLike<string>): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    previous = current;
  }
  return previous[b.length];
}

/** Drifts are whole hundredths here, so the model compares integers. */
function modelCriterion(c: Criterion, ext: Values, int: Values): boolean {
  const drift_hundredths = BigInt(Math.round(Number(c.allowable_drift) * 100));
  const text = (e: string, i: string): boolean => {
    const parts = i.split(' | ');
    if (c.operator === 'equals') return parts.some((part) => part.toLowerCase() === e.toLowerCase());
    if (c.operator !== 'contains') return false;
    return parts.some((part) => {
      const [x, y] = [e.toLowerCase(), part.toLowerCase()];
      if (x.includes(y) || y.includes(x)) return true;
      return levenshtein(x, y) <= Math.floor((Math.max(x.length, y.length) * Number(c.allowable_drift)) / 100);
    });
  };
  switch (c.field) {
    case 'amount': {
      const difference = ext.cents > int.cents ? ext.cents - int.cents : int.cents - ext.cents;
      const magnitude = int.cents < 0n ? -int.cents : int.cents;
      if (c.operator === 'equals') return difference * 100n <= magnitude * drift_hundredths;
      if (c.operator === 'greater_than') return ext.cents > int.cents;
      if (c.operator === 'less_than') return ext.cents < int.cents;
      return false;
    }
    case 'date':
      if (c.operator === 'equals') return Math.abs(ext.epoch_s - int.epoch_s) * 100 <= Number(drift_hundredths);
      if (c.operator === 'greater_than') return ext.epoch_s > int.epoch_s;
      if (c.operator === 'less_than') return ext.epoch_s < int.epoch_s;
      return false;
    case 'currency':
      return int.currency === 'MIXED' || text(ext.currency, int.currency);
    default:
      return text(ext[c.field], int[c.field]);
  }
}

const model = (rules: Criterion[][], ext: Values, int: Values) =>
  rules.some((rule) => rule.every((c) => modelCriterion(c, ext, int)));

// Few letters, both cases, and the group separator, so that equal, contained and near strings are common.
const word = fc.string({ unit: fc.constantFrom('a', 'b', 'A', 'B', 'c', ' ', '|'), maxLength: 9 });
const values: fc.Arbitrary<Values> = fc.record({
  cents: fc.bigInt({ min: -2000n, max: 2000n }),
  epoch_s: fc.integer({ min: 1_700_000_000, max: 1_700_000_100 }),
  reference: word,
  description: word,
  currency: fc.constantFrom('USD', 'usd', 'EUR', 'MIXED'),
});
const criterion: fc.Arbitrary<Criterion> = fc.record({
  field: fc.constantFrom(...CRITERION_FIELDS),
  operator: fc.constantFrom(...CRITERION_OPERATORS),
  value: fc.constant(''),
  pattern: fc.constant(''),
  allowable_drift: fc.constantFrom('0', '0.01', '0.1', '0.5', '1', '5', '20', '50', '100'),
});
const rules = fc.array(fc.array(criterion, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 });

function side(alias: string): Side {
  return {
    amount: `${alias}.amount`,
    date: `${alias}.date`,
    reference: `${alias}.reference`,
    description: `${alias}.description`,
    currency: `${alias}.currency`,
  };
}

describe('matching rules in SQL', () => {
  let database: TestDatabase;
  let db: Database;
  before(async () => {
    database = await createTestDatabase();
    db = await openDatabase({ url: database.url, data_dir: database.env.KASSA_DATA_DIR ?? '', max_connections: 2 });
    await migrate(db);
  });
  after(async () => {
    await db.close();
    await database.drop();
  });

  const evaluate = async (chosen: Criterion[][], ext: Values, int: Values): Promise<boolean> => {
    const params = new Params();
    const row = (v: Values) =>
      `SELECT ${params.add(`${v.cents}`)}::numeric / 100 AS amount, to_timestamp(${params.add(v.epoch_s)}::float8) AS date,
              ${params.add(v.reference)}::text AS reference, ${params.add(v.description)}::text AS description, ${params.add(v.currency)}::text AS currency`;
    const from = `FROM (${row(ext)}) e, (${row(int)}) i`;
    const condition = rulesCondition(chosen, side('e'), side('i'), params);
    const [result] = await db.query<{ ok: boolean }>(`SELECT (${condition}) AS ok ${from}`, params.values);
    return result.ok;
  };

  test('agree with the model of Blnk rules', async () => {
    await fc.assert(
      fc.asyncProperty(rules, values, values, async (chosen, ext, int) => {
        assert.equal(
          await evaluate(chosen, ext, int),
          model(chosen, ext, int),
          JSON.stringify({ chosen, ext: { ...ext, cents: `${ext.cents}` }, int: { ...int, cents: `${int.cents}` } }),
        );
      }),
      { numRuns: 400 },
    );
  });

  test('the edit distance agrees with Levenshtein on characters', async () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'b', 'é', 'ß', '€', 'x'), maxLength: 12 });
    await fc.assert(
      fc.asyncProperty(text, text, async (a, b) => {
        const [row] = await db.query<{ distance: number }>('SELECT reconciliation_edit_distance($1, $2) AS distance', [a, b]);
        assert.equal(Number(row.distance), levenshtein([...a], [...b]));
      }),
      { numRuns: 200 },
    );
  });
});
