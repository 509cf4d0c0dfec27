-- Transaction hooks (blnk-contract.md platform §1) live in the database. Each (transaction, hook) delivery is
-- a row written in the transaction that reaches the trigger point, delivered by the outbox
-- dispatcher like webhook events.
CREATE TABLE hooks (
  id            text PRIMARY KEY,
  name          text NOT NULL DEFAULT '',
  url           text NOT NULL DEFAULT '',
  -- No CHECK: Blnk validates the type on registration only; PUT stores what it is given.
  type          text NOT NULL,
  active        boolean NOT NULL DEFAULT false,
  timeout       integer NOT NULL DEFAULT 0,
  retry_count   integer NOT NULL DEFAULT 0,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_run      timestamptz,
  last_success  boolean NOT NULL DEFAULT false
);
CREATE INDEX hooks_active_type_idx ON hooks (type) WHERE active;

-- Deleting a hook cancels its pending deliveries. The target, timeout and retry bound are read
-- from the hook when an attempt is made.
CREATE TABLE hook_deliveries (
  seq              bigserial UNIQUE,
  delivery_id      text PRIMARY KEY,
  hook_id          text NOT NULL REFERENCES hooks (id) ON DELETE CASCADE,
  transaction_id   text NOT NULL,
  payload          jsonb NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  last_error       text,
  delivered_at     timestamptz
);
CREATE INDEX hook_deliveries_pending_idx ON hook_deliveries (next_attempt_at, seq) WHERE status = 'pending';
CREATE INDEX hook_deliveries_hook_idx ON hook_deliveries (hook_id);

-- Webhook events recorded while no webhook URL is configured are marked `skipped` (Blnk sends nothing then).
ALTER TABLE outbox_events DROP CONSTRAINT outbox_events_status_check;
ALTER TABLE outbox_events
  ADD CONSTRAINT outbox_events_status_check CHECK (status IN ('pending', 'delivered', 'dead', 'skipped'));
