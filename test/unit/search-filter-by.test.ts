// Typesense's filter_by language (issue 14): printed trees parse back to themselves, && and || bind
// left to right with equal precedence, any text either parses or is refused with
// SRCH_QUERY_INVALID, and no value a client writes ever reaches the SQL text.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseFilterBy, type FilterClause, type FilterNode } from '../../src/search/filter-by.js';
import { COLLECTIONS } from '../../src/search/collections.js';
import { parseSearchParams } from '../../src/search/params.js';
import { Params } from '../../src/db/params.js';
import { searchConditions } from '../../src/search/sql.js';
import { ApiError } from '../../src/errors.js';

const word = fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/);
const number = fc.integer({ min: -1_000_000, max: 1_000_000 }).map(String);
const field = fc.constantFrom('currency', 'reference', 'amount', 'meta_data.tier');

const clause: fc.Arbitrary<FilterClause> = fc.oneof(
  fc.record({
    kind: fc.constant('clause' as const),
    field,
    negated: fc.boolean(),
    values: fc.array(
      fc.oneof(
        fc.record({ kind: fc.constant('value' as const), op: fc.constant('=' as const), text: word }),
        fc.record({ kind: fc.constant('range' as const), from: number, to: number }),
      ),
      { minLength: 1, maxLength: 3 },
    ),
  }),
  fc.record({
    kind: fc.constant('clause' as const),
    field,
    negated: fc.constant(false),
    values: fc.tuple(
      fc.record({
        kind: fc.constant('value' as const),
        op: fc.constantFrom('>' as const, '<=' as const, 'contains' as const),
        text: word,
      }),
    ),
  }),
);

const tree: fc.Arbitrary<FilterNode> = fc.letrec<{ node: FilterNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    clause,
    fc.record({ kind: fc.constantFrom('and' as const, 'or' as const), left: tie('node'), right: tie('node') }),
  ),
})).node;

function printValue(value: FilterClause['values'][number]): string {
  if (value.kind === 'range') return `${value.from}..${value.to}`;
  if (value.kind === 'prefix') return `${value.text}*`;
  return `\`${value.text}\``;
}

function print(node: FilterNode): string {
  if (node.kind !== 'clause') return `(${print(node.left)} ${node.kind === 'and' ? '&&' : '||'} ${print(node.right)})`;
  const op = node.negated ? '!=' : '=';
  const only = node.values.length === 1 && node.values[0].kind === 'value' ? node.values[0] : undefined;
  if (only && !node.negated) return `${node.field}:${only.op === 'contains' ? '' : only.op}${printValue(only)}`;
  return `${node.field}:${op}[${node.values.map(printValue).join(', ')}]`;
}

describe('filter_by', () => {
  test('a printed tree parses back to itself', () => {
    fc.assert(
      fc.property(tree, (node) => {
        assert.deepEqual(parseFilterBy(print(node)), JSON.parse(JSON.stringify(node)));
      }),
      { numRuns: 500 },
    );
  });

  test('&& and || have equal precedence and bind left to right, as in Typesense', () => {
    const parsed = parseFilterBy('a:=1 || b:=2 && c:=3');
    assert.equal(parsed.kind, 'and');
    assert.equal((parsed as { left: FilterNode }).left.kind, 'or');
  });

  test('any text parses or is refused with 400 SRCH_QUERY_INVALID, never another error', () => {
    const alphabet = fc.constantFrom(...'ab:=!<>[](),.`*& |$\'"\\-1 '.split(''));
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 60 }).map((chars) => chars.join('')),
        (text) => {
          try {
            parseFilterBy(text);
          } catch (error) {
            assert.ok(error instanceof ApiError && error.code === 'SRCH_QUERY_INVALID', String(error));
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  test('no word, value or meta_data key a client writes reaches the SQL text', () => {
    // Every value carries the marker `zq`, which no schema fragment holds.
    const hostile = fc.stringMatching(/^[a-z';"\\$%()*. -]{0,20}$/).map((text) => `zq${text}`);
    fc.assert(
      fc.property(hostile, hostile, (value, words) => {
        const body = {
          q: words,
          query_by: 'reference,description,meta_data',
          filter_by: `reference:=\`${value}\` || meta_data.${'k'}:=\`${value}\` || description:\`${value}\``,
        };
        let plan;
        try {
          plan = parseSearchParams(COLLECTIONS.transactions, body);
        } catch (error) {
          assert.ok(error instanceof ApiError && error.status === 400);
          return;
        }
        const params = new Params();
        const { where, score } = searchConditions(plan, params);
        assert.ok(!where.includes('zq') && !score.includes('zq'), `a value is in the SQL: ${where}`);
        assert.ok(params.values.length > 0);
      }),
      { numRuns: 500 },
    );
  });
});
