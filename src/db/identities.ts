import type { Queryable } from './database.js';

export interface IdentityRow {
  identity_id: string;
  identity_type: string;
  organization_name: string;
  category: string;
  first_name: string;
  last_name: string;
  other_names: string;
  gender: string;
  email_address: string;
  phone_number: string;
  nationality: string;
  street: string;
  country: string;
  state: string;
  post_code: string;
  city: string;
  dob: string | null;
  created_at: string;
  meta_data: Record<string, unknown> | null;
}

export async function findIdentity(db: Queryable, identity_id: string): Promise<IdentityRow | undefined> {
  const rows = await db.query<IdentityRow>('SELECT * FROM identities WHERE identity_id = $1', [identity_id]);
  return rows[0];
}
