// Tokenizing and reading identity PII (docs/blnk-contract.md "Tokenization"): the field-name rule,
// Blnk's order of checks, and the writes. A token replaces the plaintext in its column; which
// fields hold tokens is the server's column `tokenized_fields`, never the client's meta_data.
// Nothing here logs or returns a value except detokenize's answer.
import { ApiError } from '../errors.js';
import type { Database, Queryable } from '../db/database.js';
import { findIdentity, lockIdentity, storeTokens, type IdentityRow, type IdentityTextField } from '../db/identities.js';
import { TokenError, type Tokenizer } from './tokenizer.js';

/** Blnk's Go field names of the tokenizable fields, and the column each one is. */
export const TOKENIZABLE_COLUMNS: Readonly<Record<string, IdentityTextField>> = {
  FirstName: 'first_name',
  LastName: 'last_name',
  OtherNames: 'other_names',
  EmailAddress: 'email_address',
  PhoneNumber: 'phone_number',
  Street: 'street',
  PostCode: 'post_code',
};

const TOKENIZATION_DISABLED_MESSAGE =
  'tokenization is disabled: BLNK_TOKENIZATION_SECRET or tokenization_secret in your blnk.json file must be set to a 32-byte value';

/** Blnk upper-cases the first letter and then needs a Go field name: `firstName` and `FirstName`, not `first_name`. */
export function structFieldName(field: string): string {
  return field === '' ? field : field[0].toUpperCase() + field.slice(1);
}

/** The Go field names whose column a client's write replaced (PUT /identities), so no longer tokens. */
export function fieldsOfColumns(columns: readonly string[]): string[] {
  return Object.entries(TOKENIZABLE_COLUMNS)
    .filter(([, column]) => columns.includes(column))
    .map(([field]) => field);
}

const identityNotFound = () => new ApiError('IDT_NOT_FOUND', 'identity not found');

function isTokenized(identity: IdentityRow, field: string): boolean {
  return identity.tokenized_fields.includes(field) || identity.tokenized_fields.includes(structFieldName(field));
}

export async function tokenizedFields(db: Queryable, identity_id: string): Promise<string[]> {
  const identity = await findIdentity(db, identity_id);
  if (!identity) throw identityNotFound();
  return identity.tokenized_fields;
}

/**
 * Tokenizes `fields` in order, each through Blnk's checks (tokenizable, identity, not yet
 * tokenized, enabled). Unlike Blnk, all or none: a failing field leaves the earlier ones as they were.
 */
export async function tokenizeFields(db: Database, tokenizer: Tokenizer, identity_id: string, fields: string[]): Promise<void> {
  await db.transaction(async (tx) => {
    let identity: IdentityRow | undefined;
    const tokens: Partial<Record<IdentityTextField, string>> = {};
    const tokenized = new Set<string>();
    for (const field of fields) {
      const name = structFieldName(field);
      const column = Object.hasOwn(TOKENIZABLE_COLUMNS, name) ? TOKENIZABLE_COLUMNS[name] : undefined;
      if (!column) throw new ApiError('IDT_FIELD_NOT_TOKENIZABLE', `field ${field} is not tokenizable`);
      identity ??= await lockIdentity(tx, identity_id);
      if (!identity) throw identityNotFound();
      if (isTokenized(identity, field) || tokenized.has(name)) {
        throw new ApiError('IDT_FIELD_ALREADY_TOKENIZED', `field ${field} is already tokenized`);
      }
      if (!tokenizer.enabled) throw new ApiError('IDT_TOKENIZATION_DISABLED', TOKENIZATION_DISABLED_MESSAGE);
      tokens[column] = tokenizer.tokenize(identity[column]);
      tokenized.add(name);
    }
    if (identity) await storeTokens(tx, identity_id, tokens, [...identity.tokenized_fields, ...tokenized]);
  });
}

function readToken(tokenizer: Tokenizer, identity: IdentityRow, field: string): string {
  if (!isTokenized(identity, field)) throw new ApiError('IDT_FIELD_NOT_TOKENIZED', `field ${field} is not tokenized`);
  const name = Object.hasOwn(TOKENIZABLE_COLUMNS, structFieldName(field)) ? structFieldName(field) : field;
  const column = TOKENIZABLE_COLUMNS[name];
  if (!column) throw new ApiError('IDT_FIELD_NOT_FOUND', `field ${field} not found`);
  // Blnk answers a sanitized 500 here; Kassa names the cause with the tokenize code (docs/compatibility.md).
  if (!tokenizer.enabled) throw new ApiError('IDT_TOKENIZATION_DISABLED', TOKENIZATION_DISABLED_MESSAGE);
  try {
    return tokenizer.detokenize(identity[column]);
  } catch (error) {
    if (!(error instanceof TokenError)) throw error;
    throw new ApiError(
      'IDT_VALIDATION_ERROR',
      `field ${field} does not hold a token that the configured tokenization secrets can open`,
    );
  }
}

/** The plaintext of each field, keyed as requested; no fields means every tokenized field, by its Go name. */
export async function detokenizeFields(
  db: Queryable,
  tokenizer: Tokenizer,
  identity_id: string,
  fields: readonly string[],
): Promise<Record<string, string>> {
  const identity = await findIdentity(db, identity_id);
  if (!identity) throw identityNotFound();
  const names = fields.length > 0 ? fields : identity.tokenized_fields;
  const values: Record<string, string> = Object.create(null);
  for (const field of names) values[field] = readToken(tokenizer, identity, field);
  return values;
}
