import type { Queryable } from './database.js';
import { selectFiltered } from './filters.js';
import type { FilterRequest } from '../filters/language.js';

export const IDENTITY_TEXT_FIELDS = [
  'identity_type',
  'organization_name',
  'category',
  'first_name',
  'last_name',
  'other_names',
  'gender',
  'email_address',
  'phone_number',
  'nationality',
  'street',
  'country',
  'state',
  'post_code',
  'city',
] as const;

export type IdentityTextField = (typeof IDENTITY_TEXT_FIELDS)[number];

export type IdentityRow = Record<IdentityTextField, string> & {
  identity_id: string;
  /** `YYYY-MM-DD` or null. */
  dob: string | null;
  created_at: string;
  meta_data: Record<string, unknown> | null;
  /** Blnk's PascalCase names of the fields whose column holds a token, in the order tokenized. */
  tokenized_fields: string[];
};

const COLUMNS = ['identity_id', ...IDENTITY_TEXT_FIELDS, 'dob', 'created_at', 'meta_data', 'tokenized_fields'].join(', ');

export async function insertIdentity(
  db: Queryable,
  identity: Omit<IdentityRow, 'created_at' | 'tokenized_fields'>,
): Promise<IdentityRow> {
  const fields = ['identity_id', ...IDENTITY_TEXT_FIELDS, 'dob', 'meta_data'] as const;
  const rows = await db.query<IdentityRow>(
    `INSERT INTO identities (${fields.join(', ')}) VALUES (${fields.map((_, i) => `$${i + 1}`).join(', ')})
     RETURNING ${COLUMNS}`,
    fields.map((field) => identity[field]),
  );
  return rows[0];
}

export async function findIdentity(db: Queryable, identity_id: string): Promise<IdentityRow | undefined> {
  const rows = await db.query<IdentityRow>(`SELECT ${COLUMNS} FROM identities WHERE identity_id = $1`, [identity_id]);
  return rows[0];
}

/** The row, locked until the end of the transaction `tx`. */
export async function lockIdentity(tx: Queryable, identity_id: string): Promise<IdentityRow | undefined> {
  const rows = await tx.query<IdentityRow>(`SELECT ${COLUMNS} FROM identities WHERE identity_id = $1 FOR UPDATE`, [identity_id]);
  return rows[0];
}

/** Writes tokens into their columns and records the fields as tokenized. */
export async function storeTokens(
  tx: Queryable,
  identity_id: string,
  tokens: Partial<Record<IdentityTextField, string>>,
  tokenized_fields: readonly string[],
): Promise<void> {
  const columns = Object.keys(tokens) as IdentityTextField[];
  const assignments = columns.map((column, i) => `${column} = $${i + 3}`);
  await tx.query(`UPDATE identities SET ${[...assignments, 'tokenized_fields = $2'].join(', ')} WHERE identity_id = $1`, [
    identity_id,
    tokenized_fields,
    ...columns.map((column) => tokens[column]),
  ]);
}

export async function listIdentities(db: Queryable): Promise<IdentityRow[]> {
  return db.query<IdentityRow>(`SELECT ${COLUMNS} FROM identities ORDER BY created_at DESC, identity_id`);
}

export async function filterIdentities(
  db: Queryable,
  request: FilterRequest,
): Promise<{ rows: IdentityRow[]; total_count?: number }> {
  const { rows, total_count } = await selectFiltered(db, 'identities', COLUMNS, request);
  return { rows: rows as unknown as IdentityRow[], total_count };
}

/**
 * Writes the given columns; returns false when the identity does not exist. A field written here
 * holds what the client sent, so it is no longer listed as tokenized (`untokenized`).
 */
export async function updateIdentity(
  db: Queryable,
  identity_id: string,
  changes: Partial<Record<IdentityTextField | 'dob' | 'meta_data', unknown>>,
  untokenized: readonly string[] = [],
): Promise<boolean> {
  const columns = Object.keys(changes);
  const assignments = columns.map((column, i) => `${column} = $${i + 3}`);
  assignments.push('tokenized_fields = ARRAY(SELECT f FROM unnest(tokenized_fields) AS f WHERE f <> ALL ($2::text[]))');
  const rows = await db.query(`UPDATE identities SET ${assignments.join(', ')} WHERE identity_id = $1 RETURNING identity_id`, [
    identity_id,
    untokenized,
    ...columns.map((column) => changes[column as keyof typeof changes]),
  ]);
  return rows.length > 0;
}

export async function deleteIdentity(db: Queryable, identity_id: string): Promise<boolean> {
  const rows = await db.query('DELETE FROM identities WHERE identity_id = $1 RETURNING identity_id', [identity_id]);
  return rows.length > 0;
}
