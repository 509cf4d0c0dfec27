-- The server owns what it derives (issue 11, item 2-3). Queued group membership moves from the
-- client-writable meta_data key QUEUED_PARENT_TRANSACTION to a column only the server writes; the key
-- stays in meta_data for Blnk's readers. Existing rows get the membership the server gave them: queued
-- request rows (whose key the server always wrote over the client's), then their outcome rows, then
-- the settlements of those outcomes. A key a client set on any other row is not carried over.
ALTER TABLE transactions ADD COLUMN queued_group text;
UPDATE transactions SET queued_group = meta_data ->> 'QUEUED_PARENT_TRANSACTION'
  WHERE status IN ('QUEUED', 'SCHEDULED') AND meta_data ? 'QUEUED_PARENT_TRANSACTION';
UPDATE transactions c SET queued_group = p.queued_group FROM transactions p
  WHERE c.parent_transaction = p.transaction_id AND c.parent_transaction <> ''
    AND p.status IN ('QUEUED', 'SCHEDULED') AND p.queued_group IS NOT NULL;
UPDATE transactions c SET queued_group = p.queued_group FROM transactions p
  WHERE c.parent_transaction = p.transaction_id AND c.parent_transaction <> ''
    AND p.status = 'INFLIGHT' AND p.queued_group IS NOT NULL AND c.queued_group IS NULL;
DROP INDEX transactions_queued_parent_idx;
CREATE INDEX transactions_queued_group_idx ON transactions (queued_group) WHERE queued_group IS NOT NULL;

-- A row is refunded once: a refund is the child (parent_transaction, written by the server alone) whose
-- reference starts with `<parent>_refund`. A client's own reference can neither count as a refund nor
-- block one (the refund then takes `<parent>_refund_<id>`).
CREATE UNIQUE INDEX transactions_refund_once ON transactions (parent_transaction)
  WHERE parent_transaction <> '' AND starts_with(reference, parent_transaction || '_refund');

CREATE OR REPLACE FUNCTION transactions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'transactions are immutable: rows cannot be deleted';
  END IF;
  IF (NEW.transaction_id, NEW.parent_transaction, NEW.source, NEW.destination, NEW.reference, NEW.amount,
      NEW.precise_amount, NEW.precision, NEW.currency, NEW.description, NEW.status, NEW.hash, NEW.created_at,
      NEW.scheduled_for, NEW.effective_date, NEW.queued_group)
     IS DISTINCT FROM
     (OLD.transaction_id, OLD.parent_transaction, OLD.source, OLD.destination, OLD.reference, OLD.amount,
      OLD.precise_amount, OLD.precision, OLD.currency, OLD.description, OLD.status, OLD.hash, OLD.created_at,
      OLD.scheduled_for, OLD.effective_date, OLD.queued_group) THEN
    RAISE EXCEPTION 'transactions are immutable: only meta_data may change';
  END IF;
  RETURN NEW;
END $$;
