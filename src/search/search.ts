// Runs a search plan on the database and answers in Typesense's shape (what Blnk returns): found,
// out_of, page, the hits with their documents, highlights and text_match, facet_counts,
// request_params and search_time_ms.
import type { Database, Queryable } from '../db/database.js';
import { exactNumber } from '../json.js';
import type { FieldRef, SearchPlan } from './params.js';
import { Params } from '../db/params.js';
import { escapeRegex, orderSql, searchConditions } from './sql.js';

const MARK_START = '<mark>';
const MARK_END = '</mark>';

interface Highlight {
  field: string;
  matched_tokens: string[];
  snippet: string;
}

/** The words of `value` that the query's tokens match, marked. Only top-level text fields are highlighted. */
function highlightsOf(plan: SearchPlan, document: Record<string, unknown>): Highlight[] {
  const highlights: Highlight[] = [];
  for (const { ref, prefix } of plan.query_by) {
    const value = document[ref.name];
    if (ref.kind !== 'string' || typeof value !== 'string') continue;
    const words = plan.tokens.map((token, index) => {
      const open = index === plan.tokens.length - 1 && prefix ? '[\\p{L}\\p{N}]*' : '';
      return `${escapeRegex(token)}${open}`;
    });
    if (words.length === 0) continue;
    const pattern = new RegExp(`(?<![\\p{L}\\p{N}])(?:${words.join('|')})(?![\\p{L}\\p{N}])`, 'giu');
    const matched = value.match(pattern);
    if (!matched) continue;
    highlights.push({
      field: ref.name,
      matched_tokens: matched,
      snippet: value.replace(pattern, (word) => `${MARK_START}${word}${MARK_END}`),
    });
  }
  return highlights;
}

function project(plan: SearchPlan, document: Record<string, unknown>): Record<string, unknown> {
  if (!plan.include_fields && plan.exclude_fields.size === 0) return document;
  const shown: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(document)) {
    // `id` always stays: it is what a hit is.
    if (plan.include_fields && !plan.include_fields.has(key) && key !== 'id') continue;
    if (plan.exclude_fields.has(key)) continue;
    shown[key] = value;
  }
  return shown;
}

/** A facet's value and stats expressions: times as Unix seconds, meta_data paths as text. */
function facetSql(ref: FieldRef, params: Params): { value: string; numeric: boolean } {
  if (ref.kind === 'meta') return { value: `(t.meta_data #>> ${params.add(ref.path)}::text[])`, numeric: false };
  if (ref.kind === 'time') return { value: `floor(extract(epoch FROM ${ref.sql}))::bigint`, numeric: true };
  return { value: ref.sql, numeric: ref.kind === 'amount' || ref.kind === 'number' };
}

async function facetCount(db: Queryable, plan: SearchPlan, ref: FieldRef, where: string, whereParams: readonly unknown[]) {
  const { from } = plan.collection;
  const params = new Params(whereParams);
  const { value, numeric } = facetSql(ref, params);
  const statsParams = [...params.values];
  const limit = params.add(plan.max_facet_values);
  const counts = await db.query<{ value: string; count: string }>(
    `SELECT (${value})::text AS value, count(*) AS count FROM ${from}
      WHERE ${where} AND (${value}) IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 ASC LIMIT ${limit}`,
    params.values,
  );
  const [stats] = await db.query<Record<string, string | null>>(
    numeric
      ? `SELECT min(${value})::text AS min, max(${value})::text AS max, sum(${value})::text AS sum,
                avg(${value})::float8::text AS avg, count(DISTINCT ${value}) AS total_values
           FROM ${from} WHERE ${where}`
      : `SELECT count(DISTINCT ${value}) AS total_values FROM ${from} WHERE ${where}`,
    statsParams,
  );
  const total_values = Number(stats.total_values);
  return {
    counts: counts.map((row) => ({ count: Number(row.count), highlighted: row.value, value: row.value })),
    field_name: ref.name,
    stats:
      numeric && stats.min !== null
        ? {
            avg: Number(stats.avg),
            max: exactNumber(stats.max!),
            min: exactNumber(stats.min),
            sum: exactNumber(stats.sum!),
            total_values,
          }
        : { total_values },
  };
}

async function facetCounts(db: Queryable, plan: SearchPlan, where: string, whereParams: readonly unknown[]) {
  const facets = [];
  for (const ref of plan.facets) facets.push(await facetCount(db, plan, ref, where, whereParams));
  return facets;
}

/** Runs the thunks one at a time, in order. */
async function sequence<T extends unknown[]>(thunks: { [K in keyof T]: () => Promise<T[K]> }): Promise<T> {
  const results: unknown[] = [];
  for (const thunk of thunks) results.push(await thunk());
  return results as T;
}

const trigramPresence = new WeakMap<Queryable, Promise<boolean>>();

/** Does the database have pg_trgm (migration 014 creates it where the user may)? Asked once per database. */
function hasTrigram(db: Queryable): Promise<boolean> {
  let present = trigramPresence.get(db);
  if (!present) {
    present = db
      .query<{ present: boolean }>(`SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') AS present`)
      .then(([row]) => row.present);
    present.catch(() => trigramPresence.delete(db));
    trigramPresence.set(db, present);
  }
  return present;
}

/**
 * pg_trgm's word similarity a typo match needs (its default, 0.6, misses one deleted letter in a
 * seven-letter word); set for the search's own transaction only.
 */
const TYPO_SIMILARITY_MIN = 0.5;

export async function runSearch(db: Database, plan: SearchPlan): Promise<Record<string, unknown>> {
  const typos = plan.tokens.length > 0 && plan.typos && (await hasTrigram(db));
  if (!typos) return search(db, plan, false);
  return db.transaction(async (tx) => {
    await tx.query(`SET LOCAL pg_trgm.word_similarity_threshold = ${TYPO_SIMILARITY_MIN}`);
    return search(tx, plan, true);
  });
}

async function search(db: Queryable, plan: SearchPlan, trigram: boolean): Promise<Record<string, unknown>> {
  const started_ms = performance.now();
  const { collection } = plan;
  const params = new Params();
  const { where, score } = searchConditions(plan, params, trigram);
  const whereParams = [...params.values];
  const limit = params.add(plan.per_page);
  const offset = params.add((plan.page - 1) * plan.per_page);
  // One after another: inside a transaction they share one connection anyway.
  const [rows, [{ found }], [{ out_of }], facet_counts] = await sequence([
    () =>
      plan.per_page === 0
        ? Promise.resolve([])
        : db.query<Record<string, unknown>>(
            `SELECT ${collection.select}, ${score} AS _text_match FROM ${collection.from}
              WHERE ${where} ORDER BY ${orderSql(plan)} LIMIT ${limit} OFFSET ${offset}`,
            params.values,
          ),
    () => db.query<{ found: string }>(`SELECT count(*) AS found FROM ${collection.from} WHERE ${where}`, whereParams),
    () => db.query<{ out_of: string }>(`SELECT count(*) AS out_of FROM ${collection.from}`),
    () => facetCounts(db, plan, where, whereParams),
  ]);
  const hits = rows.map(({ _text_match, ...raw }) => {
    const document = collection.document(raw);
    const highlights = highlightsOf(plan, document);
    return {
      document: project(plan, document),
      highlight: Object.fromEntries(highlights.map(({ field, matched_tokens, snippet }) => [field, { matched_tokens, snippet }])),
      highlights,
      text_match: Number(_text_match),
    };
  });
  return {
    facet_counts,
    found: Number(found),
    hits,
    out_of: Number(out_of),
    page: plan.page,
    request_params: { collection_name: collection.name, per_page: plan.per_page, q: plan.q },
    search_cutoff: false,
    search_time_ms: Math.round(performance.now() - started_ms),
  };
}
