-- The transaction queue as rows. A QUEUED/SCHEDULED request row and its queue row are inserted in
-- one database transaction; the applier deletes the queue row in the transaction that writes the
-- outcome, so every accepted transaction gets exactly one outcome, also across crashes.
CREATE TABLE transaction_queue (
  seq             bigserial PRIMARY KEY,
  transaction_id  text NOT NULL UNIQUE REFERENCES transactions (transaction_id),
  run_at          timestamptz NOT NULL DEFAULT now(),
  payload         jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX transaction_queue_run_at_idx ON transaction_queue (run_at, seq);

-- Recovery looks for old QUEUED rows without an outcome.
CREATE INDEX transactions_queued_created_idx ON transactions (created_at) WHERE status = 'QUEUED';
