-- Asynchronous bulk requests (`run_async`): the batch is stored before the 202 answer and processed
-- from here, so nothing accepted is lost. A process claims a batch by taking a new `claim_token`
-- with a short lease; every unit of work locks the row, checks the token and the progress, and
-- advances `units_done` in the database transaction that applies that unit, so a batch resumes
-- where it stopped after a crash and no unit is applied twice.
CREATE TABLE bulk_batches (
  batch_id        text PRIMARY KEY,
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'applied', 'inflight', 'failed')),
  -- The request as sent: {transactions, inflight, atomic, skip_queue}.
  request         jsonb NOT NULL,
  units_done      integer NOT NULL DEFAULT 0,
  claim_token     text,
  claimed_until   timestamptz,
  attempts        integer NOT NULL DEFAULT 0,
  error           text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  finished_at     timestamptz
);
CREATE INDEX bulk_batches_pending_idx ON bulk_batches (created_at) WHERE status = 'pending';
