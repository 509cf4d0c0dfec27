// Typesense's `filter_by` language parsed into a typed tree: clauses `field:<op><value>` joined by
// `&&` and `||` (equal precedence, left to right, as Typesense evaluates them) and grouped by
// parentheses. Values stay text here; src/search/sql.ts turns the tree into parameterised SQL, so
// nothing a client writes ever becomes SQL text. Bounded: a long or deep expression is refused.
import { SearchQueryError } from './errors.js';

export type Comparison = '=' | '!=' | '>' | '>=' | '<' | '<=';

/** One value of a clause: a plain value with its operator, a range `a..b`, or a prefix `abc*`. */
export type FilterValue =
  | { kind: 'value'; op: Comparison | 'contains'; text: string }
  | { kind: 'range'; from: string; to: string }
  | { kind: 'prefix'; text: string };

export interface FilterClause {
  kind: 'clause';
  field: string;
  /** `:!=[a,b]` and `:!=a`: none of the values; otherwise any of them. */
  negated: boolean;
  values: FilterValue[];
}

export type FilterNode = FilterClause | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode };

export const FILTER_BY_LIMITS = { chars_max: 4000, clauses_max: 100, values_max: 100, depth_max: 16 } as const;

const PARSE_ERROR = 'Could not parse the filter query.';
const FIELD = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

class Parser {
  private at = 0;
  private clauses = 0;
  constructor(private readonly text: string) {}

  parse(): FilterNode {
    const node = this.expression(0);
    this.skipSpace();
    if (this.at < this.text.length) {
      throw new SearchQueryError(
        this.text[this.at] === ')' ? `${PARSE_ERROR.slice(0, -1)}: unbalanced parentheses.` : PARSE_ERROR,
      );
    }
    return node;
  }

  private skipSpace(): void {
    while (this.at < this.text.length && /\s/.test(this.text[this.at])) this.at += 1;
  }

  private startsWith(token: string): boolean {
    return this.text.startsWith(token, this.at);
  }

  /** Terms joined by && and ||, left to right with equal precedence. */
  private expression(depth: number): FilterNode {
    if (depth > FILTER_BY_LIMITS.depth_max) throw new SearchQueryError('The filter query is nested too deeply.');
    let node = this.term(depth);
    for (;;) {
      this.skipSpace();
      const kind = this.startsWith('&&') ? 'and' : this.startsWith('||') ? 'or' : undefined;
      if (!kind) return node;
      this.at += 2;
      node = { kind, left: node, right: this.term(depth) };
    }
  }

  private term(depth: number): FilterNode {
    this.skipSpace();
    if (this.startsWith('(')) {
      this.at += 1;
      const node = this.expression(depth + 1);
      this.skipSpace();
      if (!this.startsWith(')')) throw new SearchQueryError(`${PARSE_ERROR.slice(0, -1)}: unbalanced parentheses.`);
      this.at += 1;
      return node;
    }
    return this.clause();
  }

  private clause(): FilterClause {
    this.clauses += 1;
    if (this.clauses > FILTER_BY_LIMITS.clauses_max) {
      throw new SearchQueryError(`The filter query has more than ${FILTER_BY_LIMITS.clauses_max} clauses.`);
    }
    const colon = this.text.indexOf(':', this.at);
    if (colon < 0) throw new SearchQueryError(PARSE_ERROR);
    const field = this.text.slice(this.at, colon).trim();
    if (!FIELD.test(field)) throw new SearchQueryError(PARSE_ERROR);
    this.at = colon + 1;
    this.skipSpace();
    let negated = false;
    let op: Comparison | 'contains' = 'contains';
    for (const candidate of ['!=', '>=', '<=', '=', '>', '<'] as const) {
      if (this.startsWith(candidate)) {
        op = candidate;
        this.at += candidate.length;
        break;
      }
    }
    if (op === '!=') negated = true;
    this.skipSpace();
    if (this.startsWith('[')) {
      if (op !== 'contains' && op !== '=' && op !== '!=') throw new SearchQueryError(PARSE_ERROR);
      this.at += 1;
      const values = this.list(op === '!=' ? '=' : op);
      return { kind: 'clause', field, negated, values };
    }
    const text = this.scalar();
    return { kind: 'clause', field, negated, values: [single(negated ? '=' : op, text)] };
  }

  /** `[a, b..c, >d]` after its `[`; the closing `]` is consumed. */
  private list(op: Comparison | 'contains'): FilterValue[] {
    const values: FilterValue[] = [];
    for (;;) {
      this.skipSpace();
      let itemOp: Comparison | 'contains' = op;
      for (const candidate of ['>=', '<=', '>', '<'] as const) {
        if (this.startsWith(candidate)) {
          itemOp = candidate;
          this.at += candidate.length;
          break;
        }
      }
      const text = this.scalar(true);
      const range = /^(.+?)\.\.(.+)$/.exec(text);
      values.push(range && itemOp === op ? { kind: 'range', from: range[1].trim(), to: range[2].trim() } : single(itemOp, text));
      if (values.length > FILTER_BY_LIMITS.values_max) {
        throw new SearchQueryError(`A filter list has more than ${FILTER_BY_LIMITS.values_max} values.`);
      }
      this.skipSpace();
      if (this.startsWith(',')) {
        this.at += 1;
        continue;
      }
      if (this.startsWith(']')) {
        this.at += 1;
        return values;
      }
      throw new SearchQueryError(PARSE_ERROR);
    }
  }

  /** A backticked value, or the text up to `&&`, `||`, `)` (and `,` or `]` inside a list). */
  private scalar(inList = false): string {
    this.skipSpace();
    if (this.startsWith('`')) {
      const end = this.text.indexOf('`', this.at + 1);
      if (end < 0) throw new SearchQueryError(PARSE_ERROR);
      const value = this.text.slice(this.at + 1, end);
      this.at = end + 1;
      return value;
    }
    const start = this.at;
    while (this.at < this.text.length) {
      if (this.startsWith('&&') || this.startsWith('||') || this.startsWith(')')) break;
      if (inList && (this.startsWith(',') || this.startsWith(']'))) break;
      if (!inList && (this.startsWith('[') || this.startsWith(']'))) throw new SearchQueryError(PARSE_ERROR);
      this.at += 1;
    }
    const value = this.text.slice(start, this.at).trim();
    if (value === '') throw new SearchQueryError(PARSE_ERROR);
    return value;
  }
}

function single(op: Comparison | 'contains', text: string): FilterValue {
  if (op === 'contains' && text.length > 1 && text.endsWith('*')) return { kind: 'prefix', text: text.slice(0, -1) };
  return { kind: 'value', op, text };
}

/** The tree of a `filter_by` text; throws SearchQueryError with Typesense's wording. */
export function parseFilterBy(text: string): FilterNode {
  if (text.length > FILTER_BY_LIMITS.chars_max) {
    throw new SearchQueryError(`The filter query is longer than ${FILTER_BY_LIMITS.chars_max} characters.`);
  }
  return new Parser(text).parse();
}

/** Every field a tree names, for the schema check. */
export function filterFields(node: FilterNode): string[] {
  return node.kind === 'clause' ? [node.field] : [...filterFields(node.left), ...filterFields(node.right)];
}
