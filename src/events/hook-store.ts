// Transaction hooks as the routes keep them (blnk-contract.md platform §1.2): registered, replaced, read,
// listed and deleted, each change in one transaction with its audit row. The audit row never holds
// a hook's full URL, whose path or query may carry a token.
import { audited, type AuditActor } from '../audit/audit-log.js';
import type { Database } from '../db/database.js';
import { deleteHook, findHook, insertHook, listHooks, replaceHook, type HookFields, type HookRow } from '../db/hooks.js';
import { newId } from '../ids.js';
import { HOOK_TYPES } from './hook-rules.js';

export type { HookFields, HookRow };

function hookAudit(row: HookRow | undefined): Record<string, unknown> | undefined {
  if (!row) return undefined;
  let origin: string | undefined;
  try {
    origin = new URL(row.url).origin;
  } catch {
    origin = undefined;
  }
  return { hook_id: row.id, name: row.name, type: row.type, active: row.active, url_origin: origin };
}

export class HookStore {
  constructor(private readonly db: Database) {}

  /** The new hook; undefined when a client-supplied id is taken (Blnk would overwrite that hook). */
  register(fields: HookFields, who: AuditActor): Promise<HookRow | undefined> {
    return audited(
      this.db,
      who,
      'hook.created',
      (tx) => insertHook(tx, { ...fields, id: fields.id || newId('hook') }),
      hookAudit,
    );
  }

  /** The hook as replaced; undefined when there is none. */
  replace(hook_id: string, fields: HookFields, who: AuditActor): Promise<HookRow | undefined> {
    return audited(this.db, who, 'hook.updated', (tx) => replaceHook(tx, { ...fields, id: hook_id }), hookAudit);
  }

  read(hook_id: string): Promise<HookRow | undefined> {
    return findHook(this.db, hook_id);
  }

  /** Every hook, or those of one type (none for a type Blnk does not know). */
  async list(type?: string): Promise<HookRow[]> {
    if (type === undefined || type === '') return listHooks(this.db);
    if (!(HOOK_TYPES as readonly unknown[]).includes(type)) return [];
    return listHooks(this.db, type);
  }

  /** False when there was no such hook. */
  delete(hook_id: string, who: AuditActor): Promise<boolean> {
    return audited(
      this.db,
      who,
      'hook.deleted',
      (tx) => deleteHook(tx, hook_id),
      (done) => (done ? { hook_id } : undefined),
    );
  }
}
