// The bind parameters of a statement built piece by piece (filters, search, reconciliation rules):
// each value added answers its placeholder, so no value ever reaches the SQL text.
export class Params {
  readonly values: unknown[];

  constructor(initial: readonly unknown[] = []) {
    this.values = [...initial];
  }

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}
