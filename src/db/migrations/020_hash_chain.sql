-- A tamper-evident chain over the transactions table (Kassa's own take on Blnk 0.15's hash chain,
-- issue 16): with `hash_chain.enabled`, every row inserted gets the next `chain_seq` and a
-- `chain_hash` = sha256(previous chain_hash || the row's immutable content), computed in the very
-- transaction that inserts it (Blnk seals 30 s behind, in a background job). The head row is locked
-- by each inserting transaction: chained writers commit one after another.
ALTER TABLE transactions ADD COLUMN chain_seq bigint UNIQUE, ADD COLUMN chain_hash text;

CREATE TABLE hash_chain_head (
  id   integer PRIMARY KEY CHECK (id = 1),
  seq  bigint NOT NULL,
  hash text NOT NULL
);
INSERT INTO hash_chain_head (id, seq, hash) VALUES (1, 0, '');

-- What a link covers: the columns no one may change (see transactions_immutable), times in UTC, as
-- a JSON array of strings (an encoding no field's text can shift into its neighbour's).
CREATE FUNCTION transaction_chain_text(t transactions) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT json_build_array(t.transaction_id, t.parent_transaction, coalesce(t.source, ''), coalesce(t.destination, ''),
    t.reference, t.amount::text, t.precise_amount::text, t.precision::text, t.currency, t.description, t.status, t.hash,
    to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    coalesce(to_char(t.scheduled_for AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), ''),
    coalesce(to_char(t.effective_date AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), ''), coalesce(t.queued_group, ''))::text
$$;

CREATE FUNCTION chain_link(previous text, content text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT encode(sha256(convert_to(previous || content, 'UTF8')), 'hex')
$$;

CREATE FUNCTION transactions_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  head hash_chain_head%ROWTYPE;
BEGIN
  SELECT * INTO head FROM hash_chain_head WHERE id = 1 FOR UPDATE;
  -- A row whose reference is taken is about to be refused or skipped (ON CONFLICT DO NOTHING): it
  -- must not take a link. Read after the head lock, so a concurrent insert of it has committed.
  IF EXISTS (SELECT 1 FROM transactions WHERE reference = NEW.reference) THEN
    RETURN NEW;
  END IF;
  NEW.chain_seq := head.seq + 1;
  NEW.chain_hash := chain_link(head.hash, transaction_chain_text(NEW));
  UPDATE hash_chain_head SET seq = NEW.chain_seq, hash = NEW.chain_hash WHERE id = 1;
  RETURN NEW;
END $$;

-- Only sessions that opted in (the connection's kassa.hash_chain setting) pay for the trigger.
CREATE TRIGGER transactions_chain BEFORE INSERT ON transactions
  FOR EACH ROW WHEN (current_setting('kassa.hash_chain', true) = 'on') EXECUTE FUNCTION transactions_chain();

-- The links are as immutable as what they cover.
CREATE OR REPLACE FUNCTION transactions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'transactions are immutable: rows cannot be deleted';
  END IF;
  IF (NEW.transaction_id, NEW.parent_transaction, NEW.source, NEW.destination, NEW.reference, NEW.amount,
      NEW.precise_amount, NEW.precision, NEW.currency, NEW.description, NEW.status, NEW.hash, NEW.created_at,
      NEW.scheduled_for, NEW.effective_date, NEW.queued_group, NEW.chain_seq, NEW.chain_hash)
     IS DISTINCT FROM
     (OLD.transaction_id, OLD.parent_transaction, OLD.source, OLD.destination, OLD.reference, OLD.amount,
      OLD.precise_amount, OLD.precision, OLD.currency, OLD.description, OLD.status, OLD.hash, OLD.created_at,
      OLD.scheduled_for, OLD.effective_date, OLD.queued_group, OLD.chain_seq, OLD.chain_hash) THEN
    RAISE EXCEPTION 'transactions are immutable: only meta_data may change';
  END IF;
  RETURN NEW;
END $$;
