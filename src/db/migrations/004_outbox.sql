-- The transactional outbox: an event row is written in the same database transaction as the change
-- that causes it; the dispatcher delivers it afterwards (at least once, each event once at the source).
CREATE TABLE outbox_events (
  seq              bigserial UNIQUE,
  event_id         text PRIMARY KEY,
  event            text NOT NULL,
  payload          jsonb NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  last_error       text,
  delivered_at     timestamptz
);
CREATE INDEX outbox_events_pending_idx ON outbox_events (next_attempt_at, seq) WHERE status = 'pending';
