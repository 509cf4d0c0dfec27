// Runs a search plan on the database and answers in Typesense's shape (what Blnk returns): found,
// out_of, page, the hits with their documents, highlights and text_match, facet_counts,
// request_params and search_time_ms.
import type { Database, Queryable } from '../db/database.js';
import { exactNumber } from '../json.js';
import type { FieldRef, SearchPlan } from './params.js';
import { Params } from '../db/params.js';
import { escapeRegex, orderSql, searchConditions, TYPO_WORD_LENGTH_MIN } from './sql.js';
import type { SearchCollection } from './collections.js';

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

/** A facet's value expression: times as Unix seconds, meta_data paths as text. */
function facetSql(ref: FieldRef, params: Params): { value: string; numeric: boolean } {
  if (ref.kind === 'meta') return { value: `(t.meta_data #>> ${params.add(ref.path)}::text[])`, numeric: false };
  if (ref.kind === 'time') return { value: `floor(extract(epoch FROM ${ref.sql}))::bigint`, numeric: true };
  return { value: ref.sql, numeric: ref.kind === 'amount' || ref.kind === 'number' };
}

interface FacetAnswer {
  counts: [string, string][];
  total_values: string;
  min?: string | null;
  max?: string | null;
  sum?: string | null;
  avg?: string | null;
}

/**
 * `found` and every facet's counts and stats in one pass over the matching rows: one grouping set per
 * facet field plus the empty set (the total), then each field's top values, distinct count and (for
 * numbers) min, max, sum and mean from its groups.
 */
async function facetCounts(db: Queryable, plan: SearchPlan, where: string, whereParams: readonly unknown[]) {
  const params = new Params(whereParams);
  const facets = plan.facets.map((ref) => facetSql(ref, params));
  const limit = params.add(plan.max_facet_values);
  const columns = facets.map((_, i) => `f${i}`);
  const all = (1 << facets.length) - 1;
  // GROUPING(f0, f1, ...) sets the bit of each column a row is not grouped by; f0 is the highest bit.
  const maskOf = (i: number) => all & ~(1 << (facets.length - 1 - i));
  const answers = facets.map(({ numeric }, i) => {
    const groups = `FROM g WHERE grouping_mask = ${maskOf(i)} AND f${i} IS NOT NULL`;
    const stats = numeric
      ? `, 'min', min(f${i})::text, 'max', max(f${i})::text, 'sum', sum(f${i}::numeric * n)::text,
           'avg', (sum(f${i}::numeric * n) / nullif(sum(n), 0))::float8::text`
      : '';
    return `(SELECT json_build_object(
               'counts', COALESCE((SELECT json_agg(json_build_array(v, n::text) ORDER BY n DESC, v ASC)
                                     FROM (SELECT f${i}::text AS v, n ${groups} ORDER BY n DESC, v ASC LIMIT ${limit}) top), '[]'),
               'total_values', count(*)::text${stats}) ${groups}) AS facet${i}`;
  });
  const [row] = await db.query<Record<string, unknown>>(
    `WITH g AS (
       SELECT ${columns.join(', ')}, count(*) AS n, GROUPING(${columns.join(', ')}) AS grouping_mask
         FROM (SELECT ${facets.map(({ value }, i) => `${value} AS f${i}`).join(', ')} FROM ${plan.collection.from} WHERE ${where}) s
        GROUP BY GROUPING SETS (${columns.map((column) => `(${column})`).join(', ')}, ()))
     SELECT (SELECT n FROM g WHERE grouping_mask = ${all})::text AS found, ${answers.join(', ')}`,
    params.values,
  );
  const facet_counts = plan.facets.map((ref, i) => {
    const answer = row[`facet${i}`] as FacetAnswer;
    const total_values = Number(answer.total_values);
    return {
      counts: answer.counts.map(([value, count]) => ({ count: Number(count), highlighted: value, value })),
      field_name: ref.name,
      stats:
        facets[i].numeric && answer.min != null
          ? {
              avg: Number(answer.avg),
              max: exactNumber(answer.max!),
              min: exactNumber(answer.min),
              sum: exactNumber(answer.sum!),
              total_values,
            }
          : { total_values },
    };
  });
  return { found: Number(row.found), facet_counts };
}

/** How long a collection's counted size (`out_of`) serves before it is counted again, in the background. */
const OUT_OF_FRESH_MS = 10_000;

/**
 * pg_trgm's word similarity a typo match needs (its default, 0.6, misses one deleted letter in a
 * seven-letter word); set for the search's own transaction only.
 */
const TYPO_SIMILARITY_MIN = 0.5;

interface Matches {
  rows: Record<string, unknown>[];
  found: number;
  out_of: number;
  facet_counts: unknown[];
}

/**
 * Runs search plans against one database. It remembers what is costly to ask on every search: whether
 * the database has pg_trgm, and each collection's size, which `out_of` reports (counted again in the
 * background once it is OUT_OF_FRESH_MS old; exact whenever the search itself counts everything).
 */
export class Searcher {
  private trigram: Promise<boolean> | undefined;
  private readonly sizes = new Map<string, { count: number; counted_at_ms: number; recount?: Promise<number> }>();

  constructor(private readonly db: Database) {}

  /**
   * Typesense's answer for the plan. Words match exactly first; only when nothing does, and typos are
   * allowed, is the search run again with typo matches (Typesense's typo_tokens_threshold of 1).
   */
  async run(plan: SearchPlan): Promise<Record<string, unknown>> {
    const started_ms = performance.now();
    let matches = await this.matches(this.db, plan, false);
    if (matches.found === 0 && this.typosMayMatch(plan) && (await this.hasTrigram())) {
      matches = await this.db.transaction(async (tx) => {
        await tx.query(`SET LOCAL pg_trgm.word_similarity_threshold = ${TYPO_SIMILARITY_MIN}`);
        return this.matches(tx, plan, true);
      });
    }
    const { collection } = plan;
    const hits = matches.rows.map(({ _text_match, ...raw }) => {
      const document = collection.document(raw);
      const highlights = highlightsOf(plan, document);
      return {
        document: project(plan, document),
        highlight: Object.fromEntries(
          highlights.map(({ field, matched_tokens, snippet }) => [field, { matched_tokens, snippet }]),
        ),
        highlights,
        text_match: Number(_text_match),
      };
    });
    return {
      facet_counts: matches.facet_counts,
      found: matches.found,
      hits,
      out_of: matches.out_of,
      page: plan.page,
      request_params: { collection_name: collection.name, per_page: plan.per_page, q: plan.q },
      search_cutoff: false,
      search_time_ms: Math.round(performance.now() - started_ms),
    };
  }

  private typosMayMatch(plan: SearchPlan): boolean {
    return (
      plan.typos &&
      plan.tokens.some((token) => token.length >= TYPO_WORD_LENGTH_MIN) &&
      plan.query_by.some((field) => field.ref.kind === 'string')
    );
  }

  /** The page, `found`, `out_of` and the facets; on PostgreSQL the statements run side by side. */
  private async matches(db: Queryable, plan: SearchPlan, typos: boolean): Promise<Matches> {
    const { collection } = plan;
    const params = new Params();
    const { where, where_values: whereParams, score } = searchConditions(plan, params, typos);
    const limit = params.add(plan.per_page);
    const offset = params.add((plan.page - 1) * plan.per_page);
    const page = () =>
      plan.per_page === 0
        ? Promise.resolve([])
        : db.query<Record<string, unknown>>(
            `SELECT ${collection.select}, ${score} AS _text_match FROM ${collection.from}
              WHERE ${where} ORDER BY ${orderSql(plan)} LIMIT ${limit} OFFSET ${offset}`,
            params.values,
          );
    const counted = () =>
      plan.facets.length > 0
        ? facetCounts(db, plan, where, whereParams)
        : db
            .query<{ found: string }>(`SELECT count(*) AS found FROM ${collection.from} WHERE ${where}`, whereParams)
            .then(([{ found }]) => ({ found: Number(found), facet_counts: [] }));
    // Everything matches: the count is the collection's size.
    const everything = where === 'TRUE';
    const size = () => (everything ? Promise.resolve(0) : this.size(collection, db));
    // Inside a transaction the statements share one connection: one after another.
    const [rows, { found, facet_counts }, size_estimate] =
      db === this.db ? await Promise.all([page(), counted(), size()]) : [await page(), await counted(), await size()];
    if (everything) this.remember(collection, found);
    return { rows, found, facet_counts, out_of: everything ? found : Math.max(size_estimate, found) };
  }

  /**
   * The collection's size as last counted; counted now only the first time, through `db` (inside the
   * typo search's transaction, its own connection: the embedded database would wait for it otherwise).
   */
  private async size(collection: SearchCollection, db: Queryable): Promise<number> {
    const known = this.sizes.get(collection.name);
    if (!known) return this.recount(collection, db);
    if (performance.now() - known.counted_at_ms > OUT_OF_FRESH_MS && !known.recount) {
      // In the background: a failed recount leaves the last count in place until the next try.
      known.recount = this.recount(collection, this.db)
        .catch(() => known.count)
        .finally(() => (known.recount = undefined));
    }
    return known.count;
  }

  private async recount(collection: SearchCollection, db: Queryable): Promise<number> {
    const [{ count }] = await db.query<{ count: string }>(`SELECT count(*) AS count FROM ${collection.from}`);
    this.remember(collection, Number(count));
    return Number(count);
  }

  private remember(collection: SearchCollection, count: number): void {
    this.sizes.set(collection.name, { count, counted_at_ms: performance.now() });
  }

  /** Does the database have pg_trgm (migration 014 creates it where the user may)? Asked once. */
  private hasTrigram(): Promise<boolean> {
    if (!this.trigram) {
      const present = this.db
        .query<{ present: boolean }>(`SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') AS present`)
        .then(([row]) => row.present);
      present.catch(() => (this.trigram = undefined));
      this.trigram = present;
    }
    return this.trigram;
  }
}
