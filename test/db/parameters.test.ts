// Statement parameters and errors through the Database interface, on the database the suite runs
// against: the embedded database sends statements its own way (src/db/pglite-statements.ts), and
// both must receive the same values as node-postgres sends them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Database } from '../../src/db/database.js';
import { openDatabase } from '../../src/db/open.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

describe('statement parameters', () => {
  let database: TestDatabase;
  let db: Database;
  before(async () => {
    database = await createTestDatabase();
    db = await openDatabase({ url: database.url, data_dir: database.env.KASSA_DATA_DIR ?? '', max_connections: 2 });
  });
  after(async () => {
    await db.close();
    await database.drop();
  });

  test('text arrays keep quotes, backslashes, braces, commas, empty strings, nulls and unicode', async () => {
    // PostgreSQL text cannot hold NUL.
    const text = fc.string({ unit: 'binary' }).map((s) => s.replace(/\0/g, ''));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.option(text, { nil: null }), { maxLength: 8 }), async (values) => {
        const [row] = await db.query<{ values: (string | null)[] }>('SELECT $1::text[] AS values', [values]);
        assert.deepEqual(row.values, values);
      }),
      { numRuns: 60 },
    );
  });

  test('scalars: text, booleans, bigints past 2^53, json objects, timestamps, nulls', async () => {
    const [row] = await db.query<Record<string, unknown>>(
      `SELECT $1::text AS text, $2::boolean AS yes, $3::boolean AS no, ($4::numeric + 1)::text AS big,
              $5::jsonb AS doc, $6::timestamptz AS at, $7::text AS nothing`,
      [
        'a "quoted" \\ value',
        true,
        false,
        2n ** 64n,
        { nested: { amount: 12345678901234567890n } },
        '2026-11-27T10:00:00.123456Z',
        null,
      ],
    );
    assert.equal(row.text, 'a "quoted" \\ value');
    assert.equal(row.yes, true);
    assert.equal(row.no, false);
    assert.equal(row.big, (2n ** 64n + 1n).toString());
    assert.deepEqual(row.doc, { nested: { amount: 12345678901234567890n } });
    assert.equal(row.at, '2026-11-27T10:00:00.123456Z');
    assert.equal(row.nothing, null);
  });

  test('arrays of json text and of numbers, as the batch inserts send them', async () => {
    const rows = await db.query<{ doc: unknown; amount: string }>(
      'SELECT * FROM unnest($1::jsonb[], $2::numeric[]) AS u(doc, amount)',
      [
        [JSON.stringify({ a: '{"x"}' }), JSON.stringify([1, 'b,c'])],
        [1n, 10n ** 30n],
      ],
    );
    assert.deepEqual(rows, [
      { doc: { a: '{"x"}' }, amount: '1' },
      { doc: [1, 'b,c'], amount: (10n ** 30n).toString() },
    ]);
  });

  test('a failing statement throws its SQLSTATE and leaves the database usable', async () => {
    await db.exec('CREATE TABLE params_unique (id text PRIMARY KEY)');
    await db.query('INSERT INTO params_unique (id) VALUES ($1)', ['one']);
    await assert.rejects(db.query('INSERT INTO params_unique (id) VALUES ($1)', ['one']), { code: '23505' });
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO params_unique (id) VALUES ($1)', ['two']);
        await tx.query('INSERT INTO params_unique (id) VALUES ($1)', ['one']);
      }),
      { code: '23505' },
    );
    const rows = await db.query<{ id: string }>('SELECT id FROM params_unique ORDER BY id');
    assert.deepEqual(rows, [{ id: 'one' }]);
  });
});
