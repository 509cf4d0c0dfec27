-- Events do not depend on which process took the request (issue 11, item 10). Every running
-- dispatcher registers here (and refreshes last_seen_at); a webhook event is recorded when some
-- dispatcher delivering webhooks was seen lately, whichever process records it, and each delivery
-- row names the signing key (a fingerprint of secret_key, never the key) of the dispatcher that was
-- seen last: only dispatchers holding that key claim it, so every attempt is signed alike.
CREATE TABLE event_dispatchers (
  dispatcher_id     text PRIMARY KEY,
  delivers_webhooks boolean NOT NULL,
  signing_key_id    text NOT NULL,
  last_seen_at      timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE outbox_events ADD COLUMN signing_key_id text;
ALTER TABLE hook_deliveries ADD COLUMN signing_key_id text;
