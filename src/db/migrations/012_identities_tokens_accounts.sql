-- Tokenized identity fields and accounts (issue 13).
--
-- Which identity fields hold a token is a fact the server writes (`tokenized_fields`), never
-- something a client's meta_data can claim: the answer shows it as `meta_data.tokenized_fields`
-- (Blnk's shape), rebuilt from this column. Flags a Blnk database kept in meta_data move here.
ALTER TABLE identities ADD COLUMN tokenized_fields text[] NOT NULL DEFAULT '{}';
UPDATE identities
   SET tokenized_fields = ARRAY(
         SELECT key FROM jsonb_each(meta_data -> 'tokenized_fields')
          WHERE value = 'true'::jsonb ORDER BY key),
       meta_data = meta_data - 'tokenized_fields'
 WHERE jsonb_typeof(meta_data -> 'tokenized_fields') = 'object';

-- Blnk's accounts table: a bank account number attached to a balance.
CREATE TABLE accounts (
  account_id   text PRIMARY KEY,
  name         text NOT NULL,
  number       text NOT NULL,
  bank_name    text NOT NULL,
  currency     text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  ledger_id    text NOT NULL REFERENCES ledgers (ledger_id),
  identity_id  text NOT NULL REFERENCES identities (identity_id),
  balance_id   text NOT NULL REFERENCES balances (balance_id),
  meta_data    jsonb,
  CONSTRAINT accounts_number_key UNIQUE (number)
);
CREATE INDEX accounts_created_at_idx ON accounts (created_at DESC);
