// Identities as the routes use them (blnk-contract.md platform §2, §11): created with their `identity.created`
// event in one transaction, listed, read, changed (a changed field that held a token is plain text
// again), deleted (refused while balances or accounts refer to one), and their fields tokenized or
// detokenized, every detokenization in the audit log (field names, never a value).
import { audited, type AuditActor } from '../audit/audit-log.js';
import { isSqlError, SQLSTATE, type Database } from '../db/database.js';
import {
  IDENTITY_TEXT_FIELDS,
  deleteIdentity,
  filterIdentities,
  findIdentity,
  insertIdentity,
  listIdentities,
  updateIdentity,
  type IdentityRow,
  type IdentityTextField,
} from '../db/identities.js';
import { ApiError } from '../errors.js';
import { recordEvent } from '../events/outbox.js';
import type { FilterRequest } from '../filters/language.js';
import { identityView } from '../views/entities.js';
import { detokenizeFields, fieldsOfColumns, tokenizedFields, tokenizeFields } from './tokenization.js';
import type { Tokenizer } from './tokenizer.js';

export { IDENTITY_TEXT_FIELDS, type IdentityRow, type IdentityTextField };
export type NewIdentity = Parameters<typeof insertIdentity>[1];
export type IdentityChanges = Parameters<typeof updateIdentity>[2];

const notFound = () => new ApiError('IDT_NOT_FOUND', 'identity not found');

export class Identities {
  constructor(
    private readonly db: Database,
    private readonly tokenizer: Tokenizer,
  ) {}

  /** The new identity's answer (what `identity.created` carries). */
  async create(identity: NewIdentity): Promise<Record<string, unknown>> {
    try {
      return await this.db.transaction(async (tx) => {
        const view = identityView(await insertIdentity(tx, identity));
        await recordEvent(tx, 'identity.created', view);
        return view;
      });
    } catch (error) {
      if (isSqlError(error, SQLSTATE.uniqueViolation)) {
        throw new ApiError('IDT_VALIDATION_ERROR', `Identity already exists: ${identity.identity_id}`);
      }
      throw error;
    }
  }

  list(): Promise<IdentityRow[]> {
    return listIdentities(this.db);
  }

  filter(request: FilterRequest): ReturnType<typeof filterIdentities> {
    return filterIdentities(this.db, request);
  }

  async read(identity_id: string): Promise<IdentityRow> {
    const identity = await findIdentity(this.db, identity_id);
    if (!identity) throw notFound();
    return identity;
  }

  async update(identity_id: string, changes: IdentityChanges): Promise<void> {
    if (!(await updateIdentity(this.db, identity_id, changes, fieldsOfColumns(Object.keys(changes))))) throw notFound();
  }

  async delete(identity_id: string): Promise<void> {
    try {
      if (!(await deleteIdentity(this.db, identity_id))) throw notFound();
    } catch (error) {
      if (isSqlError(error, SQLSTATE.foreignKeyViolation)) {
        throw new ApiError('GEN_CONFLICT', 'Failed to delete identity: balances or accounts still refer to it');
      }
      throw error;
    }
  }

  tokenizedFields(identity_id: string): Promise<string[]> {
    return tokenizedFields(this.db, identity_id);
  }

  tokenize(identity_id: string, fields: string[]): Promise<void> {
    return tokenizeFields(this.db, this.tokenizer, identity_id, fields);
  }

  /** The plain values, recorded in the audit log (the field names) before they are returned. */
  detokenize(identity_id: string, fields: readonly string[], who: AuditActor): Promise<Record<string, string>> {
    return audited(
      this.db,
      who,
      'identity.detokenized',
      (tx) => detokenizeFields(tx, this.tokenizer, identity_id, fields),
      (values) => ({ identity_id, fields: Object.keys(values) }),
    );
  }
}
