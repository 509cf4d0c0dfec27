// Filtered, sorted, paged reads (blnk-contract.md platform §8) as parameterised SQL. The SQL text is built
// only from the fixed fragments in this file, chosen by whitelisted field and operator names
// (src/filters/language.ts); every value and every meta_data key travels as a bind parameter.
import type { Queryable } from './database.js';
import { stringifyJson } from '../json.js';
import type { Condition, FieldType, FilterField, FilterRequest, FilterTable, Operator } from '../filters/language.js';
import { Params } from './params.js';

interface TableSql<T extends FilterTable> {
  from: string;
  /** Column SQL per field; `null` for the fields with their own SQL below. */
  columns: Record<FilterField<T>, string | null>;
  /** Makes the order total, so pages never overlap. */
  tiebreak: string;
}

const TABLES: { [T in FilterTable]: TableSql<T> } = {
  ledgers: {
    from: 'ledgers t',
    columns: { ledger_id: 't.ledger_id', name: 't.name', created_at: 't.created_at' },
    tiebreak: 't.ledger_id',
  },
  balances: {
    from: 'balances t',
    columns: {
      balance_id: 't.balance_id',
      ledger_id: 't.ledger_id',
      identity_id: 't.identity_id',
      indicator: 't.indicator',
      currency: 't.currency',
      balance: 't.balance',
      credit_balance: 't.credit_balance',
      debit_balance: 't.debit_balance',
      inflight_balance: 't.inflight_balance',
      inflight_credit_balance: 't.inflight_credit_balance',
      inflight_debit_balance: 't.inflight_debit_balance',
      created_at: 't.created_at',
    },
    tiebreak: 't.balance_id',
  },
  transactions: {
    from: 'transactions t',
    columns: {
      transaction_id: 't.transaction_id',
      parent_transaction: 't.parent_transaction',
      amount: 't.amount',
      currency: 't.currency',
      source: 't.source',
      destination: 't.destination',
      balance_id: null,
      reference: 't.reference',
      status: 't.status',
      created_at: 't.created_at',
      effective_date: 't.effective_date',
      indicator: null,
      description: 't.description',
      precision: 't.precision',
    },
    tiebreak: 't.seq',
  },
  identities: {
    from: 'identities t',
    columns: {
      identity_id: 't.identity_id',
      first_name: 't.first_name',
      last_name: 't.last_name',
      other_names: 't.other_names',
      gender: 't.gender',
      // a date column, compared as midnight UTC (Blnk stores a timestamp)
      dob: "(t.dob::timestamp AT TIME ZONE 'UTC')",
      email_address: 't.email_address',
      phone_number: 't.phone_number',
      nationality: 't.nationality',
      street: 't.street',
      country: 't.country',
      state: 't.state',
      organization_name: 't.organization_name',
      category: 't.category',
      identity_type: 't.identity_type',
      post_code: 't.post_code',
      city: 't.city',
      created_at: 't.created_at',
    },
    tiebreak: 't.identity_id',
  },
  accounts: {
    from: 'accounts t',
    columns: {
      account_id: 't.account_id',
      name: 't.name',
      number: 't.number',
      bank_name: 't.bank_name',
      currency: 't.currency',
      ledger_id: 't.ledger_id',
      identity_id: 't.identity_id',
      balance_id: 't.balance_id',
      created_at: 't.created_at',
    },
    tiebreak: 't.account_id',
  },
};

const CAST: Record<FieldType, string> = { text: 'text', numeric: 'numeric', timestamp: 'timestamptz' };

const COMPARISON: Partial<Record<Operator, string>> = { eq: '=', ne: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' };

/** Collects bind parameters and hands out their `$n` placeholders. */
/** `expression <operator> values` for a column of the given type. */
function compare(expression: string, type: FieldType, condition: Condition, params: Params): string {
  const cast = CAST[type];
  const { operator, values } = condition;
  const comparison = COMPARISON[operator];
  if (condition.kind === 'column' && condition.interval !== undefined) {
    const start = params.add(values[0]);
    return `(${expression} >= ${start}::timestamptz AND ${expression} < ${start}::timestamptz + ${params.add(condition.interval)}::interval)`;
  }
  if (comparison) return `${expression} ${comparison} ${params.add(values[0])}::${cast}`;
  switch (operator) {
    case 'in':
      return `${expression} = ANY(${params.add(values)}::${cast}[])`;
    case 'between':
      return `${expression} BETWEEN ${params.add(values[0])}::${cast} AND ${params.add(values[1])}::${cast}`;
    case 'like':
      return `${expression}::text LIKE ${params.add(values[0])}::text`;
    case 'ilike':
      return `${expression}::text ILIKE ${params.add(values[0])}::text`;
    case 'isnull':
      return `${expression} IS NULL`;
    case 'isnotnull':
      return `${expression} IS NOT NULL`;
    default:
      throw new Error(`unhandled filter operator ${operator}`);
  }
}

const NEGATIVE: readonly Operator[] = ['ne', 'isnull'];

function transactionCondition(condition: Condition & { kind: 'column' }, params: Params): string | undefined {
  if (condition.field === 'balance_id') {
    // Both sides share the same parameters; the SQL holds only fixed fragments and placeholders.
    const source = compare('t.source', 'text', condition, params);
    const destination = source.replaceAll('t.source', 't.destination');
    return `(${source} ${NEGATIVE.includes(condition.operator) ? 'AND' : 'OR'} ${destination})`;
  }
  if (condition.field === 'indicator') {
    const match = compare('b.indicator', 'text', condition, params);
    // `= ANY(ARRAY(...))` rather than `IN (...)`: the holders become one array, so the planner can
    // use the source and destination indexes (a hashed sub-plan only filters a scan).
    const holders = `ARRAY(SELECT b.balance_id FROM balances b WHERE ${match})`;
    return `(t.source = ANY(${holders}) OR t.destination = ANY(${holders}))`;
  }
  return undefined;
}

const META_NUMBER = `'^\\s*-?(\\d+(\\.\\d*)?|\\.\\d+)([eE][-+]?\\d+)?\\s*$'`;

function metaCondition(condition: Condition & { kind: 'meta' }, params: Params): string {
  if (condition.operator === 'eq') {
    return `t.meta_data @> ${params.add(stringifyJson({ [condition.key]: condition.values[0] }))}::jsonb`;
  }
  const key = params.add(condition.key);
  const value = `(t.meta_data -> ${key}::text)`;
  const text = `(t.meta_data ->> ${key}::text)`;
  switch (condition.operator) {
    case 'isnull':
      return `COALESCE(jsonb_typeof${value}, 'null') = 'null'`;
    case 'isnotnull':
      return `COALESCE(jsonb_typeof${value}, 'null') <> 'null'`;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
    case 'between': {
      // Only values that read as numbers take part; anything else never matches (and never errors).
      const number = `(CASE WHEN ${text} ~ ${META_NUMBER} THEN ${text}::numeric END)`;
      return compare(number, 'numeric', condition, params);
    }
    default:
      return compare(text, 'text', condition, params);
  }
}

function whereClause(
  table: FilterTable,
  request: Pick<FilterRequest, 'conditions' | 'logical_operator'>,
  params: Params,
): string {
  const columns: Record<string, string | null> = TABLES[table].columns;
  const parts = request.conditions.map((condition) => {
    if (condition.kind === 'meta') return metaCondition(condition, params);
    const special = table === 'transactions' ? transactionCondition(condition, params) : undefined;
    if (special !== undefined) return special;
    const column = columns[condition.field];
    if (!column) throw new Error(`no SQL for filter field ${table}.${condition.field}`);
    return compare(column, condition.type, condition, params);
  });
  if (parts.length === 0) return 'TRUE';
  return parts.map((part) => `(${part})`).join(request.logical_operator === 'or' ? ' OR ' : ' AND ');
}

/** Builds the page query (and the count query) for `request`; exported for the injection tests. */
export function filterSql(
  table: FilterTable,
  select: string,
  request: FilterRequest,
): { sql: string; params: unknown[]; countSql: string; countParams: unknown[] } {
  const params = new Params();
  const where = whereClause(table, request, params);
  const countParams = [...params.values];
  const spec = TABLES[table];
  const sortColumn = (spec.columns as Record<string, string | null>)[request.sort_by] ?? 't.created_at';
  const direction = request.sort_order === 'asc' ? 'ASC' : 'DESC';
  const limit = params.add(request.limit);
  const offset = params.add(request.offset);
  return {
    sql: `SELECT ${select} FROM ${spec.from} WHERE ${where} ORDER BY ${sortColumn} ${direction}, ${spec.tiebreak} ${direction} LIMIT ${limit} OFFSET ${offset}`,
    params: params.values,
    countSql: `SELECT count(*) AS total FROM ${spec.from} WHERE ${where}`,
    countParams,
  };
}

/** Rows of one page, and the number of rows matching when `include_count` asks for it. */
export async function selectFiltered(
  db: Queryable,
  table: FilterTable,
  select: string,
  request: FilterRequest,
): Promise<{ rows: Record<string, unknown>[]; total_count?: number }> {
  const { sql, params, countSql, countParams } = filterSql(table, select, request);
  const rows = await db.query(sql, params);
  if (!request.include_count) return { rows };
  const [count] = await db.query<{ total: string }>(countSql, countParams);
  return { rows, total_count: Number(count.total) };
}
