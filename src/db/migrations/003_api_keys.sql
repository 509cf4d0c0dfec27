-- API keys. Only a SHA-256 of the key and its first 16 characters (to find candidate rows) are
-- stored; the plaintext is shown once at creation. last_used_at NULL means never used.
CREATE TABLE api_keys (
  api_key_id    text PRIMARY KEY,
  key_hash      text NOT NULL UNIQUE,
  key_prefix    text NOT NULL,
  name          text NOT NULL,
  owner_id      text NOT NULL,
  scopes        jsonb NOT NULL DEFAULT '[]',
  expires_at    timestamptz NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz,
  is_revoked    boolean NOT NULL DEFAULT false,
  revoked_at    timestamptz
);
CREATE INDEX api_keys_key_prefix_idx ON api_keys (key_prefix);
CREATE INDEX api_keys_owner_created_idx ON api_keys (owner_id, created_at DESC);
