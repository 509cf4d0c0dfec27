// The filter language cannot carry SQL: names only pass a whitelist, and values (and meta_data keys)
// only ever reach the database as bind parameters. These tests pin the SQL text itself.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ApiError } from '../../src/errors.js';
import { filterSql } from '../../src/db/filters.js';
import {
  FILTER_FIELDS,
  OPERATORS,
  parseFilterBody,
  parseFilterQuery,
  parseTimestamp,
  type FilterTable,
} from '../../src/filters/language.js';

const HOSTILE = [
  'name; DROP TABLE ledgers; --',
  "name' OR '1'='1",
  'name) OR (1=1',
  'name = name OR TRUE --',
  '"name"',
  't.name',
  'name::text',
  'pg_sleep(5)',
  "meta_data.x'); DROP TABLE ledgers; --",
  "meta_data.a->>'b'",
  'meta_data.a b',
  'meta_data.1abc',
  'meta_data.',
  'meta_data.tier--',
  'meta_data.tier;select',
  '(SELECT 1)',
  'created_at DESC; DELETE FROM ledgers',
  'NAME',
  '',
];

const TABLES = Object.keys(FILTER_FIELDS) as FilterTable[];

/** A LIKE pattern ending in an unpaired backslash is refused (PostgreSQL would fail on it). */
const endsInEscape = (value: string) => /(^|[^\\])(\\\\)*\\$/.test(value);
const isLike = (filter: unknown) => ['like', 'ilike'].includes((filter as { operator?: string }).operator ?? '');

function refusedWith(run: () => unknown, code: string): void {
  assert.throws(run, (error: unknown) => error instanceof ApiError && error.code === code);
}

function sqlOf(table: FilterTable, body: unknown): string {
  return filterSql(table, '*', parseFilterBody(table, body)).sql;
}

describe('filter injection: names', () => {
  test('hostile field names are refused on every table, in the body and the query string', () => {
    for (const table of TABLES) {
      for (const field of HOSTILE) {
        refusedWith(() => parseFilterBody(table, { filters: [{ field, operator: 'eq', value: 'x' }] }), 'GEN_BAD_REQUEST');
        if (field.includes('_') || field === '') continue;
        refusedWith(() => parseFilterQuery(table, { [`${field}_eq`]: 'x' }), 'GEN_VALIDATION_ERROR');
      }
    }
  });

  test('hostile operators are refused', () => {
    for (const operator of ['= 1 OR 1=1 --', 'eq;', 'EQ', 'eq ', '<>', 'like; DROP TABLE ledgers', '', 'isnull--']) {
      refusedWith(() => parseFilterBody('ledgers', { filters: [{ field: 'name', operator, value: 'x' }] }), 'GEN_BAD_REQUEST');
    }
  });

  test('hostile sort_by and sort_order fall back to created_at DESC', () => {
    const plain = sqlOf('ledgers', {});
    for (const sort_by of HOSTILE.filter((name) => name !== 'NAME')) {
      assert.equal(sqlOf('ledgers', { sort_by, sort_order: 'asc; DROP TABLE ledgers' }), plain);
    }
  });

  test('query-string keys that are not filters are ignored, never turned into SQL', () => {
    const none = parseFilterQuery('ledgers', { 'name; DROP TABLE ledgers': 'x', "'": 'y', sort: 'x;--' });
    assert.deepEqual(none.conditions, []);
  });

  test('any accepted field is a whitelisted column or a meta_data key of letters, digits and _', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...TABLES),
        fc.string({ maxLength: 40 }),
        fc.constantFrom(...OPERATORS),
        (table, field, operator) => {
          let accepted = false;
          try {
            parseFilterBody(table, { filters: [{ field, operator, value: '1', values: ['1', '2'] }] });
            accepted = true;
          } catch (error) {
            assert.ok(error instanceof ApiError);
          }
          if (accepted) {
            assert.ok(Object.hasOwn(FILTER_FIELDS[table], field) || /^meta_data\.[a-zA-Z][a-zA-Z0-9_]*$/.test(field), field);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('filter injection: values', () => {
  const valueShapes: [string, (value: string) => unknown][] = [
    ['eq', (value) => ({ field: 'name', operator: 'eq', value })],
    ['like', (value) => ({ field: 'name', operator: 'like', value })],
    ['in', (value) => ({ field: 'name', operator: 'in', values: [value, value] })],
    ['meta eq', (value) => ({ field: 'meta_data.tier', operator: 'eq', value })],
    ['meta ne', (value) => ({ field: 'meta_data.tier', operator: 'ne', value })],
    ['meta in', (value) => ({ field: 'meta_data.tier', operator: 'in', values: [value] })],
  ];

  test('the SQL text does not depend on the values; each value is a parameter as given', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.constantFrom(...HOSTILE)), fc.constantFrom(...valueShapes), (value, [, shape]) => {
        if (endsInEscape(value) && isLike(shape('x'))) {
          refusedWith(() => parseFilterBody('ledgers', { filters: [shape(value)] }), 'GEN_BAD_REQUEST');
          return;
        }
        const benign = filterSql('ledgers', '*', parseFilterBody('ledgers', { filters: [shape('x')] }));
        const built = filterSql('ledgers', '*', parseFilterBody('ledgers', { filters: [shape(value)] }));
        assert.equal(built.sql, benign.sql);
        assert.equal(built.countSql, benign.countSql);
        const flat = built.params.flat().map(String).join('\u0001');
        assert.ok(flat.includes(value) || flat.includes(JSON.stringify(value).slice(1, -1)));
      }),
      { numRuns: 1000 },
    );
  });

  test('transaction and identity filters: the SQL text does not depend on the values either', () => {
    const shapes: [FilterTable, (value: string) => unknown][] = [
      ['transactions', (value) => ({ field: 'reference', operator: 'eq', value })],
      ['transactions', (value) => ({ field: 'description', operator: 'ilike', value })],
      ['transactions', (value) => ({ field: 'status', operator: 'in', values: [value, value] })],
      ['transactions', (value) => ({ field: 'balance_id', operator: 'eq', value })],
      ['transactions', (value) => ({ field: 'balance_id', operator: 'ne', value })],
      ['transactions', (value) => ({ field: 'balance_id', operator: 'in', values: [value] })],
      ['transactions', (value) => ({ field: 'indicator', operator: 'eq', value })],
      ['transactions', (value) => ({ field: 'indicator', operator: 'between', values: [value, value] })],
      ['transactions', (value) => ({ field: 'meta_data.tier', operator: 'eq', value })],
      ['transactions', (value) => ({ field: 'meta_data.tier', operator: 'like', value })],
      ['identities', (value) => ({ field: 'first_name', operator: 'eq', value })],
      ['identities', (value) => ({ field: 'meta_data.tier', operator: 'in', values: [value] })],
    ];
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.constantFrom(...HOSTILE)), fc.constantFrom(...shapes), (value, [table, shape]) => {
        if (endsInEscape(value) && isLike(shape('x'))) {
          refusedWith(() => parseFilterBody(table, { filters: [shape(value)] }), 'GEN_BAD_REQUEST');
          return;
        }
        const benign = filterSql(table, '*', parseFilterBody(table, { filters: [shape('x')] }));
        const built = filterSql(table, '*', parseFilterBody(table, { filters: [shape(value)] }));
        assert.equal(built.sql, benign.sql);
        assert.equal(built.countSql, benign.countSql);
        const flat = built.params.flat().map(String).join('\u0001');
        assert.ok(flat.includes(value) || flat.includes(JSON.stringify(value).slice(1, -1)));
      }),
      { numRuns: 1000 },
    );
  });

  test('numeric and timestamp fields take only numbers and dates; anything else is refused before SQL', () => {
    for (const value of HOSTILE) {
      for (const [table, field] of [
        ['transactions', 'amount'],
        ['transactions', 'precision'],
        ['transactions', 'created_at'],
        ['transactions', 'effective_date'],
        ['transactions', 'meta_data.n'],
        ['identities', 'dob'],
      ] as const) {
        const operator = field.startsWith('meta_data.') ? 'gt' : 'lte';
        refusedWith(() => parseFilterBody(table, { filters: [{ field, operator, value }] }), 'GEN_BAD_REQUEST');
        refusedWith(() => parseFilterQuery(table, { [`${field}_${operator}`]: value }), 'GEN_VALIDATION_ERROR');
      }
    }
  });

  test('meta_data keys travel as parameters too', () => {
    const built = filterSql(
      'ledgers',
      '*',
      parseFilterBody('ledgers', { filters: [{ field: 'meta_data.tier', operator: 'ne', value: 'x' }] }),
    );
    assert.ok(!built.sql.includes('tier'));
    assert.deepEqual(built.params.slice(0, 2), ['tier', 'x']);
  });

  test('transaction special fields use only fixed SQL and parameters', () => {
    for (const [field, operator] of [
      ['balance_id', 'eq'],
      ['balance_id', 'in'],
      ['balance_id', 'ne'],
      ['indicator', 'like'],
    ]) {
      const hostile = "bln_x' OR 1=1 --";
      const body = (value: string) => ({ filters: [{ field, operator, value, values: [value] }] });
      assert.equal(sqlOf('transactions', body(hostile)), sqlOf('transactions', body('bln_y')));
      assert.ok(!sqlOf('transactions', body(hostile)).includes('OR 1=1'));
    }
    refusedWith(
      () => parseFilterBody('transactions', { filters: [{ field: 'balance_id', operator: 'like', value: 'x' }] }),
      'GEN_BAD_REQUEST',
    );
  });

  test('limit and offset are parameters, sort columns come from the whitelist', () => {
    const built = filterSql(
      'balances',
      '*',
      parseFilterBody('balances', { limit: 7, offset: 3, sort_by: 'BALANCE', sort_order: 'ASC' }),
    );
    assert.match(built.sql, /ORDER BY t\.balance ASC, t\.balance_id ASC LIMIT \$1 OFFSET \$2$/);
    assert.deepEqual(built.params, [7, 3]);
  });
});

describe('filter parsing', () => {
  test('timestamps: accepted forms and the span each precision covers', () => {
    assert.deepEqual(parseTimestamp('2024-01-31'), { iso: '2024-01-31T00:00:00Z', interval: '24 hours' });
    assert.deepEqual(parseTimestamp('2024/01/31'), { iso: '2024-01-31T00:00:00Z', interval: '24 hours' });
    assert.deepEqual(parseTimestamp('2024-01-31 10:20'), { iso: '2024-01-31T10:20:00Z', interval: '1 minute' });
    assert.deepEqual(parseTimestamp('2024-01-31T10:20:30+02:00'), { iso: '2024-01-31T10:20:30+02:00', interval: '1 second' });
    assert.deepEqual(parseTimestamp('2024-01-31T10:20:30.123Z'), { iso: '2024-01-31T10:20:30.123Z', interval: '0.001 second' });
    for (const bad of ['2024-02-30', '2024-13-01', '0000-01-01', '2024-01-01T24:00', 'yesterday', "2024-01-01'; --"]) {
      assert.equal(parseTimestamp(bad), undefined, bad);
    }
  });

  test('body pagination: limit outside 1..100 becomes 20, a negative offset 0', () => {
    assert.equal(parseFilterBody('ledgers', { limit: 0 }).limit, 20);
    assert.equal(parseFilterBody('ledgers', { limit: 101 }).limit, 20);
    assert.equal(parseFilterBody('ledgers', { limit: 100 }).limit, 100);
    assert.equal(parseFilterBody('ledgers', { offset: -5 }).offset, 0);
    refusedWith(() => parseFilterBody('ledgers', { limit: 'ten' }), 'GEN_BAD_REQUEST');
  });
});

describe('filter parsing: transactions and identities', () => {
  test('query strings: last underscore splits field and operator, aliases, typed meta values, time spans', () => {
    const parsed = parseFilterQuery('transactions', {
      balance_id_eq: 'bln_1',
      parent_transaction_neq: '',
      amount_GTEQ: '10.5',
      currency_in: 'USD, EUR',
      created_at_eq: '2024-03-01',
      'meta_data.n_lteq': '7',
      'meta_data.vip_eq': 'true',
      effective_date_between: '2024-01-01|2024-02-01',
      logical_operator: 'OR',
      limit: '5',
      sort: 'amount',
    });
    assert.equal(parsed.logical_operator, 'or');
    assert.deepEqual(parsed.conditions, [
      { kind: 'column', field: 'balance_id', type: 'text', operator: 'eq', values: ['bln_1'] },
      { kind: 'column', field: 'parent_transaction', type: 'text', operator: 'ne', values: [''] },
      { kind: 'column', field: 'amount', type: 'numeric', operator: 'gte', values: ['10.5'] },
      { kind: 'column', field: 'currency', type: 'text', operator: 'in', values: ['USD', 'EUR'] },
      {
        kind: 'column',
        field: 'created_at',
        type: 'timestamp',
        operator: 'eq',
        values: ['2024-03-01T00:00:00Z'],
        interval: '24 hours',
      },
      { kind: 'meta', key: 'n', operator: 'lte', values: ['7'] },
      { kind: 'meta', key: 'vip', operator: 'eq', values: [true] },
      {
        kind: 'column',
        field: 'effective_date',
        type: 'timestamp',
        operator: 'between',
        values: ['2024-01-01T00:00:00Z', '2024-02-01T00:00:00Z'],
      },
    ]);
  });

  test('balance_id allows only eq, ne, in, isnull and isnotnull; indicator allows every operator', () => {
    for (const operator of OPERATORS) {
      const body = { filters: [{ field: 'balance_id', operator, value: 'b', values: ['a', 'b'] }] };
      if (['eq', 'ne', 'in', 'isnull', 'isnotnull'].includes(operator)) parseFilterBody('transactions', body);
      else refusedWith(() => parseFilterBody('transactions', body), 'GEN_BAD_REQUEST');
      parseFilterBody('transactions', { filters: [{ field: 'indicator', operator, value: 'b', values: ['a', 'b'] }] });
    }
  });

  test('body timestamps are compared as given: no span', () => {
    const [condition] = parseFilterBody('transactions', {
      filters: [{ field: 'created_at', operator: 'eq', value: '2024-03-01' }],
    }).conditions;
    assert.deepEqual(condition, {
      kind: 'column',
      field: 'created_at',
      type: 'timestamp',
      operator: 'eq',
      values: ['2024-03-01T00:00:00Z'],
    });
  });

  test('balance_id: eq/in/isnotnull join the sides with OR, ne/isnull with AND', () => {
    const where = (operator: string) =>
      filterSql(
        'transactions',
        '*',
        parseFilterBody('transactions', { filters: [{ field: 'balance_id', operator, value: 'b', values: ['b'] }] }),
      )
        .sql.split(' WHERE ')[1]
        .split(' ORDER BY ')[0];
    assert.equal(where('eq'), '((t.source = $1::text OR t.destination = $1::text))');
    assert.equal(where('in'), '((t.source = ANY($1::text[]) OR t.destination = ANY($1::text[])))');
    assert.equal(where('isnotnull'), '((t.source IS NOT NULL OR t.destination IS NOT NULL))');
    assert.equal(where('ne'), '((t.source <> $1::text AND t.destination <> $1::text))');
    assert.equal(where('isnull'), '((t.source IS NULL AND t.destination IS NULL))');
  });

  test('identities: Blnk names the table `identity`; dob and created_at are timestamps', () => {
    refusedWith(
      () => parseFilterBody('identities', { filters: [{ field: 'ledger_id', operator: 'eq', value: 'x' }] }),
      'GEN_BAD_REQUEST',
    );
    assert.throws(
      () => parseFilterBody('identities', { filters: [{ field: 'ledger_id', operator: 'eq', value: 'x' }] }),
      /invalid field 'ledger_id' for table 'identity'/,
    );
    const [dob] = parseFilterQuery('identities', { dob_eq: '1990-01-01' }).conditions;
    assert.deepEqual(dob, {
      kind: 'column',
      field: 'dob',
      type: 'timestamp',
      operator: 'eq',
      values: ['1990-01-01T00:00:00Z'],
      interval: '24 hours',
    });
    assert.equal(parseFilterBody('identities', { sort_by: 'DOB' }).sort_by, 'dob');
  });
});
