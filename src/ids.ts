import { randomUUID } from 'node:crypto';

/** Blnk's id format: `<prefix>_<uuid v4>` (ldg, bln, txn, bulk, idt, mon, hook, api_key, ref, act). */
export function newId(prefix: string): string {
  return `${prefix}_${randomUUID()}`;
}
