-- Commits and voids waiting for the worker: queued requests (PUT /transactions/inflight/:id without
-- skip_queue, bulk commit/void) and the deadlines of holds (inflight_commit_date -> commit,
-- inflight_expiry_date -> void). A row is deleted in the database transaction that settles the hold.
CREATE TABLE inflight_actions (
  action_id       text PRIMARY KEY,
  -- The id the caller named (an inflight row, a queued create, a split parent or a bulk batch id);
  -- for deadlines, the hold itself.
  target_id       text NOT NULL,
  action          text NOT NULL CHECK (action IN ('commit', 'void')),
  -- NULL settles the whole remaining hold.
  precise_amount  numeric CHECK (precise_amount > 0),
  origin          text NOT NULL CHECK (origin IN ('request', 'expiry', 'auto_commit')),
  run_at          timestamptz NOT NULL DEFAULT now(),
  attempts        integer NOT NULL DEFAULT 0,
  last_error      text,
  created_at      timestamptz NOT NULL DEFAULT now()
);
-- One queued request per target at a time (Blnk's task id `inflight-action:<id>`); deadlines do not
-- block requests.
CREATE UNIQUE INDEX inflight_actions_one_request_idx ON inflight_actions (target_id) WHERE origin = 'request';
CREATE INDEX inflight_actions_run_at_idx ON inflight_actions (run_at, action_id);

-- Every hold with a deadline gets its due action in the same database transaction that writes it,
-- whichever path wrote it (skip_queue, the worker's outcome row, split legs, bulk items).
CREATE FUNCTION schedule_inflight_deadlines() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.inflight_commit_date IS NOT NULL THEN
    INSERT INTO inflight_actions (action_id, target_id, action, origin, run_at)
    VALUES ('act_' || gen_random_uuid(), NEW.transaction_id, 'commit', 'auto_commit', NEW.inflight_commit_date);
  END IF;
  IF NEW.inflight_expiry_date IS NOT NULL THEN
    INSERT INTO inflight_actions (action_id, target_id, action, origin, run_at)
    VALUES ('act_' || gen_random_uuid(), NEW.transaction_id, 'void', 'expiry', NEW.inflight_expiry_date);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER transactions_schedule_inflight_deadlines AFTER INSERT ON transactions
  FOR EACH ROW WHEN (NEW.status = 'INFLIGHT' AND (NEW.inflight_commit_date IS NOT NULL OR NEW.inflight_expiry_date IS NOT NULL))
  EXECUTE FUNCTION schedule_inflight_deadlines();

