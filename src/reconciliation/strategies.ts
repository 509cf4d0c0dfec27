// The three strategies (blnk-contract.md platform §10.4), each as set-based SQL over a batch of records:
// one statement finds every record's candidate through the indexes and the rules, instead of one
// query per record. A strategy begins once per run (fixing what the run walks, building groups) and
// then answers batches in walk order.
import type { Queryable } from '../db/database.js';
import type { MatchRow, RunRow, Strategy } from '../db/reconciliations.js';
import { Params } from '../db/params.js';
import { candidateWindows, rulesCondition, type Side } from './conditions.js';

export const STRATEGIES: readonly Strategy[] = ['one_to_one', 'one_to_many', 'many_to_one'];

/** What `grouping_criteria` may name: internal transaction columns (one_to_many), record columns (many_to_one). */
export const GROUPING_COLUMNS: Readonly<Record<Exclude<Strategy, 'one_to_one'>, readonly string[]>> = {
  one_to_many: ['transaction_id', 'parent_transaction', 'source', 'reference', 'currency', 'destination', 'status', 'created_at'],
  many_to_one: ['id', 'amount', 'reference', 'currency', 'description', 'date', 'source'],
};

export interface Walk {
  cursor_end: bigint;
  total: bigint;
}

export interface BatchResult {
  /** The last position (many_to_one: seq) walked; the cursor moves here. */
  last: bigint;
  processed: number;
  matches: MatchRow[];
  /** Unmatched ids: records, or internal transactions in many_to_one. */
  unmatched: string[];
}

const RECORD: Side = {
  amount: 'e.amount',
  date: 'e.date',
  reference: 'e.reference',
  description: 'e.description',
  currency: 'e.currency',
};
const TRANSACTION: Side = {
  amount: 't.amount',
  date: 't.created_at',
  reference: 't.reference',
  description: 't.description',
  currency: 't.currency',
};
const GROUP: Side = {
  amount: 'g.amount',
  date: 'g.date',
  reference: 'g.reference',
  description: 'g.description',
  currency: 'g.currency',
};

async function walkUpload(tx: Queryable, run: RunRow): Promise<Walk> {
  const [row] = await tx.query<{ cursor_end: string; total: string }>(
    'SELECT coalesce(max(position), 0) AS cursor_end, count(*) AS total FROM external_transactions WHERE upload_id = $1',
    [run.upload_id],
  );
  return { cursor_end: BigInt(row.cursor_end), total: BigInt(row.total) };
}

/** What a grouped strategy groups: internal transactions (one_to_many) or the upload's records (many_to_one). */
const GROUPED: Readonly<Record<Exclude<Strategy, 'one_to_one'>, { table: string; id: string; date: string; order: string }>> = {
  one_to_many: { table: 'transactions', id: 'transaction_id', date: 'created_at', order: 'created_at, seq' },
  many_to_one: { table: 'external_transactions', id: 'id', date: 'date', order: 'position' },
};

function groupedOf(run: RunRow) {
  return GROUPED[run.strategy as Exclude<Strategy, 'one_to_one'>];
}

async function buildGroups(tx: Queryable, run: RunRow): Promise<void> {
  const column = run.grouping_criteria;
  const one_to_many = run.strategy === 'one_to_many';
  const { table, id, date, order } = groupedOf(run);
  const filter = one_to_many ? 'true' : 'upload_id = $2';
  await tx.query(
    `INSERT INTO reconciliation_groups (reconciliation_id, ordinal, amount, date, reference, description, currency, members)
     SELECT $1, row_number() OVER (ORDER BY key), amount, date, reference, description, currency, members
     FROM (SELECT ${column}::text AS key, sum(amount) AS amount, min(${date}) AS date,
                  string_agg(reference, ' | ' ORDER BY ${order}) AS reference,
                  string_agg(description, ' | ' ORDER BY ${order}) AS description,
                  CASE WHEN count(DISTINCT currency) = 1 THEN min(currency) ELSE 'MIXED' END AS currency,
                  array_agg(${id} ORDER BY ${order}) AS members
           FROM ${table} WHERE ${filter} AND ${column} IS NOT NULL AND ${column}::text <> '' GROUP BY 1) grouped`,
    one_to_many ? [run.reconciliation_id] : [run.reconciliation_id, run.upload_id],
  );
}

/** Fixes the run's walk (and builds its groups) as it begins. */
export async function beginRun(tx: Queryable, run: RunRow): Promise<Walk> {
  if (run.strategy !== 'one_to_one') await buildGroups(tx, run);
  if (run.strategy !== 'many_to_one') return walkUpload(tx, run);
  const [row] = await tx.query<{ cursor_end: string; total: string }>(
    'SELECT coalesce(max(seq), 0) AS cursor_end, count(*) AS total FROM transactions',
  );
  return { cursor_end: BigInt(row.cursor_end), total: BigInt(row.total) };
}

async function oneToOne(tx: Queryable, run: RunRow, batch_size: number): Promise<BatchResult> {
  const params = new Params([run.upload_id, run.cursor_position, run.cursor_end, batch_size]);
  const filters = ['t.currency = e.currency', ...candidateWindows(run.rules, RECORD, TRANSACTION, params)];
  filters.push(`(${rulesCondition(run.rules, RECORD, TRANSACTION, params)})`);
  const rows = await tx.query<{ position: string; id: string; amount: string; date: string; internal_id: string | null }>(
    `SELECT e.position, e.id, e.amount, e.date, m.transaction_id AS internal_id
     FROM external_transactions e
     LEFT JOIN LATERAL (SELECT t.transaction_id FROM transactions t WHERE ${filters.join(' AND ')}
                        ORDER BY t.created_at, t.seq LIMIT 1) m ON true
     WHERE e.upload_id = $1 AND e.position > $2 AND e.position <= $3 ORDER BY e.position LIMIT $4`,
    params.values,
  );
  const result: BatchResult = { last: BigInt(run.cursor_position), processed: rows.length, matches: [], unmatched: [] };
  for (const row of rows) {
    result.last = BigInt(row.position);
    if (row.internal_id === null) result.unmatched.push(row.id);
    else {
      result.matches.push({
        external_transaction_id: row.id,
        internal_transaction_id: row.internal_id,
        amount: row.amount,
        date: row.date,
      });
    }
  }
  return result;
}

interface Walked {
  cursor: string;
  id: string;
  ordinal: string | null;
  size: number | null;
}

/**
 * Match rows one batch may write before it ends early: a batch of grouped records writes a row per
 * member, and on the embedded database a transaction holds every other request while it runs.
 */
const BATCH_MATCHES_MAX = 1_000;

/**
 * The first unclaimed group each walked item matches. Items of one batch that pick the same group
 * are settled in walk order: a later one looks again without the groups taken before it. The batch
 * ends after the item that brings its match rows to BATCH_MATCHES_MAX.
 */
async function firstGroups(
  tx: Queryable,
  run: RunRow,
  walked: (exclude: string[], only: string | null) => { sql: string; params: unknown[] },
): Promise<{ items: Walked[]; claimed: string[] }> {
  const first = walked([], null);
  const candidates = await tx.query<Walked>(first.sql, first.params);
  const items: Walked[] = [];
  const claimed = new Set<string>();
  let matches = 0;
  for (const item of candidates) {
    if (matches >= BATCH_MATCHES_MAX) break;
    if (item.ordinal !== null && claimed.has(item.ordinal)) {
      const again = walked([...claimed], item.cursor);
      const [row] = await tx.query<Walked>(again.sql, again.params);
      item.ordinal = row?.ordinal ?? null;
      item.size = row?.size ?? null;
    }
    if (item.ordinal !== null) claimed.add(item.ordinal);
    matches += Number(item.size ?? 0);
    items.push(item);
  }
  if (claimed.size > 0) {
    await tx.query(
      'UPDATE reconciliation_groups SET claimed = true WHERE reconciliation_id = $1 AND ordinal = ANY($2::bigint[])',
      [run.reconciliation_id, [...claimed]],
    );
  }
  return { items, claimed: [...claimed] };
}

async function grouped(tx: Queryable, run: RunRow, batch_size: number): Promise<BatchResult> {
  const one_to_many = run.strategy === 'one_to_many';
  const [walker, ext] = one_to_many
    ? [{ from: 'external_transactions e', cursor: 'e.position', id: 'e.id', scope: 'e.upload_id = $1' }, RECORD]
    : [{ from: 'transactions t', cursor: 't.seq', id: 't.transaction_id', scope: '$1::text IS NOT NULL' }, TRANSACTION];
  const walked = (exclude: string[], only: string | null) => {
    const params = new Params([
      run.upload_id,
      run.cursor_position,
      run.cursor_end,
      batch_size,
      run.reconciliation_id,
      exclude,
      only,
    ]);
    const condition = rulesCondition(run.rules, ext, GROUP, params);
    return {
      sql: `SELECT ${walker.cursor} AS cursor, ${walker.id} AS id, g.ordinal, g.size
            FROM ${walker.from}
            LEFT JOIN LATERAL (SELECT g.ordinal, cardinality(g.members) AS size FROM reconciliation_groups g
                               WHERE g.reconciliation_id = $5 AND NOT g.claimed AND g.ordinal <> ALL($6::bigint[]) AND (${condition})
                               ORDER BY g.ordinal LIMIT 1) g ON true
            WHERE ${walker.scope} AND ${walker.cursor} > $2 AND ${walker.cursor} <= $3
              AND ($7::bigint IS NULL OR ${walker.cursor} = $7::bigint)
            ORDER BY ${walker.cursor} LIMIT $4`,
      params: params.values,
    };
  };
  const { items, claimed } = await firstGroups(tx, run, walked);
  const result: BatchResult = { last: BigInt(run.cursor_position), processed: items.length, matches: [], unmatched: [] };
  const members = new Map<string, GroupMember[]>();
  for (const member of claimed.length === 0 ? [] : await groupMembers(tx, run, claimed)) {
    const list = members.get(member.ordinal);
    if (list) list.push(member);
    else members.set(member.ordinal, [member]);
  }
  for (const item of items) {
    result.last = BigInt(item.cursor);
    if (item.ordinal === null) {
      result.unmatched.push(item.id);
      continue;
    }
    for (const member of members.get(item.ordinal) ?? []) {
      result.matches.push(
        one_to_many
          ? { external_transaction_id: item.id, internal_transaction_id: member.id, amount: member.amount, date: member.date }
          : { external_transaction_id: member.id, internal_transaction_id: item.id, amount: member.amount, date: member.date },
      );
    }
  }
  return result;
}

interface GroupMember {
  ordinal: string;
  id: string;
  amount: string;
  date: string;
}

/** Each member of the groups, with its own amount and date, in group order. */
async function groupMembers(tx: Queryable, run: RunRow, ordinals: string[]): Promise<GroupMember[]> {
  const { table, id, date } = groupedOf(run);
  return tx.query(
    `SELECT g.ordinal, x.${id} AS id, x.amount, x.${date} AS date
     FROM reconciliation_groups g CROSS JOIN LATERAL unnest(g.members) WITH ORDINALITY AS m(member, n)
     JOIN ${table} x ON x.${id} = m.member
     WHERE g.reconciliation_id = $1 AND g.ordinal = ANY($2::bigint[]) ORDER BY g.ordinal, m.n`,
    [run.reconciliation_id, ordinals],
  );
}

/** Matches the next batch of the run's walk, after its cursor. */
export function matchBatch(tx: Queryable, run: RunRow, batch_size: number): Promise<BatchResult> {
  return run.strategy === 'one_to_one' ? oneToOne(tx, run, batch_size) : grouped(tx, run, batch_size);
}
