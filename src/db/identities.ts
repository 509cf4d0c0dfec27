import type { Queryable } from './database.js';
import { selectFiltered } from './filters.js';
import type { FilterRequest } from '../search/filters.js';

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
};

const COLUMNS = ['identity_id', ...IDENTITY_TEXT_FIELDS, 'dob', 'created_at', 'meta_data'].join(', ');

export async function insertIdentity(
  db: Queryable,
  identity: Omit<IdentityRow, 'created_at'>,
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

/** Writes the given columns; returns false when the identity does not exist. */
export async function updateIdentity(
  db: Queryable,
  identity_id: string,
  changes: Partial<Record<IdentityTextField | 'dob' | 'meta_data', unknown>>,
): Promise<boolean> {
  const columns = Object.keys(changes);
  const assignments = columns.map((column, i) => `${column} = $${i + 2}`).join(', ');
  const rows = await db.query(`UPDATE identities SET ${assignments} WHERE identity_id = $1 RETURNING identity_id`, [
    identity_id,
    ...columns.map((column) => changes[column as keyof typeof changes]),
  ]);
  return rows.length > 0;
}

export async function deleteIdentity(db: Queryable, identity_id: string): Promise<boolean> {
  const rows = await db.query('DELETE FROM identities WHERE identity_id = $1 RETURNING identity_id', [identity_id]);
  return rows.length > 0;
}
