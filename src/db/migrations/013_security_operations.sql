-- Security operations (issue 17): the audit log, API-key rotation and where keys are used from.
--
-- audit_events is append-only: a row is written in the same transaction as the act it records, or
-- (for acts that change nothing: authentication failures, master-key uses, scope denials) as one
-- row per source, route and minute whose `count` grows while that minute lasts (`bucket` names it,
-- so every process adds to the same row). Only the retention prune deletes rows.
CREATE TABLE audit_events (
  audit_id        text PRIMARY KEY,
  created_at      timestamptz NOT NULL DEFAULT now(),
  action          text NOT NULL,
  actor           text NOT NULL,
  owner_id        text,
  source_address  text,
  route           text,
  outcome         text NOT NULL,
  details         jsonb NOT NULL DEFAULT '{}',
  count           integer NOT NULL DEFAULT 1 CHECK (count > 0),
  bucket          text UNIQUE
);
CREATE INDEX audit_events_created_idx ON audit_events (created_at DESC, audit_id DESC);
CREATE INDEX audit_events_action_idx ON audit_events (action, created_at DESC);
CREATE INDEX audit_events_actor_idx ON audit_events (actor, created_at DESC);
CREATE INDEX audit_events_owner_idx ON audit_events (owner_id, created_at DESC);

-- A rotated key points at its successor and works until its (shortened) expires_at.
ALTER TABLE api_keys ADD COLUMN rotated_at timestamptz;
ALTER TABLE api_keys ADD COLUMN replaced_by text;
ALTER TABLE api_keys ADD COLUMN last_source_address text;

-- Every source address a key was used from, to notice a new one.
CREATE TABLE api_key_sources (
  api_key_id      text NOT NULL REFERENCES api_keys (api_key_id) ON DELETE CASCADE,
  source_address  text NOT NULL,
  first_seen_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (api_key_id, source_address)
);

-- /metrics counts dead deliveries at every scrape: an index keeps that off the delivered rows.
CREATE INDEX outbox_events_dead_idx ON outbox_events (seq) WHERE status = 'dead';
CREATE INDEX hook_deliveries_dead_idx ON hook_deliveries (seq) WHERE status = 'dead';
