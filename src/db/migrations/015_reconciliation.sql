-- Reconciliation (issue 15, blnk-contract.md platform §10): uploaded bank records, matching rules, and runs as
-- durable rows that any process may carry (a lease, as bulk batches have), with their results.

-- One row per upload; its records are stored in the same transaction, so an upload exists whole or
-- not at all. `instant_…` uploads are the records of a start-instant request.
CREATE TABLE reconciliation_uploads (
  upload_id     text PRIMARY KEY,
  source        text NOT NULL,
  record_count  integer NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);

-- `id` is globally unique, as in Blnk (the same record cannot be uploaded twice). `position` is the
-- record's place in its file: runs walk an upload in file order, resuming after the last position done.
-- Amounts are exact decimals of any scale (Blnk's NUMERIC(12,2) rounds to cents).
CREATE TABLE external_transactions (
  id           text PRIMARY KEY,
  upload_id    text NOT NULL REFERENCES reconciliation_uploads (upload_id) ON DELETE CASCADE,
  position     integer NOT NULL,
  amount       numeric NOT NULL,
  currency     text NOT NULL,
  reference    text NOT NULL,
  description  text NOT NULL,
  date         timestamptz NOT NULL,
  source       text NOT NULL,
  CONSTRAINT external_transactions_position UNIQUE (upload_id, position)
);

CREATE TABLE matching_rules (
  rule_id      text PRIMARY KEY,
  name         text NOT NULL,
  description  text NOT NULL DEFAULT '',
  criteria     jsonb NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);

-- `rules` is the criteria of every rule as they were when the run started (a rule edited or deleted
-- later does not change a run under way). A run walks external positions (many_to_one: internal
-- transaction seqs) up to `cursor_end`, fixed when it begins; `cursor_position` is the last one whose
-- results are written, in the same database transaction as those results.
CREATE TABLE reconciliations (
  reconciliation_id       text PRIMARY KEY,
  upload_id               text NOT NULL,
  status                  text NOT NULL DEFAULT 'started',
  strategy                text NOT NULL,
  matching_rule_ids       jsonb NOT NULL,
  rules                   jsonb NOT NULL,
  grouping_criteria       text NOT NULL DEFAULT '',
  dry_run                 boolean NOT NULL DEFAULT false,
  matched_transactions    bigint NOT NULL DEFAULT 0,
  unmatched_transactions  bigint NOT NULL DEFAULT 0,
  processed               bigint NOT NULL DEFAULT 0,
  total                   bigint NOT NULL DEFAULT 0,
  cursor_position         bigint NOT NULL DEFAULT 0,
  cursor_end              bigint NOT NULL DEFAULT 0,
  claim_token             text,
  claimed_until           timestamptz,
  attempts                integer NOT NULL DEFAULT 0,
  started_at              timestamptz NOT NULL DEFAULT now(),
  completed_at            timestamptz,
  CONSTRAINT reconciliations_status CHECK (status IN ('started', 'in_progress', 'completed', 'failed'))
);
CREATE INDEX reconciliations_unfinished_idx ON reconciliations (started_at) WHERE status IN ('started', 'in_progress');

-- The groups of a grouped strategy, built once when the run begins (and deleted when it ends): internal transactions grouped by
-- `grouping_criteria` (one_to_many) or the upload's records (many_to_one). A matched group is claimed:
-- no second record of the run matches it. Text values are joined with " | " and amounts summed, as Blnk
-- compares a group; `members` are the grouped ids.
CREATE TABLE reconciliation_groups (
  reconciliation_id  text NOT NULL REFERENCES reconciliations (reconciliation_id) ON DELETE CASCADE,
  ordinal            bigint NOT NULL,
  amount             numeric NOT NULL,
  date               timestamptz NOT NULL,
  reference          text NOT NULL,
  description        text NOT NULL,
  currency           text NOT NULL,
  members            text[] NOT NULL,
  claimed            boolean NOT NULL DEFAULT false,
  PRIMARY KEY (reconciliation_id, ordinal)
);

-- One row per (external record, internal transaction) pair; `ordinal` keeps the order results were
-- found in, for paging.
CREATE TABLE reconciliation_matches (
  reconciliation_id        text NOT NULL REFERENCES reconciliations (reconciliation_id) ON DELETE CASCADE,
  ordinal                  bigint NOT NULL,
  external_transaction_id  text NOT NULL,
  internal_transaction_id  text NOT NULL,
  amount                   numeric NOT NULL,
  date                     timestamptz NOT NULL,
  PRIMARY KEY (reconciliation_id, ordinal)
);
CREATE INDEX reconciliation_matches_internal_idx ON reconciliation_matches (reconciliation_id, internal_transaction_id);

-- The unmatched records: external ids, or internal transaction ids in many_to_one (as in Blnk).
CREATE TABLE reconciliation_unmatched (
  reconciliation_id  text NOT NULL REFERENCES reconciliations (reconciliation_id) ON DELETE CASCADE,
  ordinal            bigint NOT NULL,
  transaction_id     text NOT NULL,
  PRIMARY KEY (reconciliation_id, ordinal)
);

-- Candidate windows: internal transactions of one currency by amount, and by time.
CREATE INDEX transactions_currency_amount_idx ON transactions (currency, amount);
CREATE INDEX transactions_currency_created_idx ON transactions (currency, created_at);

-- `contains` falls back to the edit distance between two lowercased strings (Levenshtein, on
-- characters), here rather than through fuzzystrmatch: that extension may be missing or not the
-- user's to create. As fuzzystrmatch, strings past 255 characters have no distance (NULL: not a
-- match), which bounds one comparison to 65,025 cells (about 70 ms).
CREATE FUNCTION reconciliation_edit_distance(a text, b text) RETURNS integer
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  a_chars text[] := string_to_array(a, NULL);
  b_chars text[] := string_to_array(b, NULL);
  a_length integer := coalesce(array_length(a_chars, 1), 0);
  b_length integer := coalesce(array_length(b_chars, 1), 0);
  previous integer[];
  current integer[];
  i integer;
  j integer;
BEGIN
  IF a_length > 255 OR b_length > 255 THEN RETURN NULL; END IF;
  IF a_length = 0 THEN RETURN b_length; END IF;
  IF b_length = 0 THEN RETURN a_length; END IF;
  previous := array(SELECT generate_series(0, b_length));
  current := array_fill(0, ARRAY[b_length + 1]);
  FOR i IN 1 .. a_length LOOP
    current[1] := i;
    FOR j IN 1 .. b_length LOOP
      current[j + 1] := least(previous[j + 1] + 1, current[j] + 1,
                              previous[j] + CASE WHEN a_chars[i] = b_chars[j] THEN 0 ELSE 1 END);
    END LOOP;
    previous := current;
  END LOOP;
  RETURN previous[b_length + 1];
END $$;

-- Blnk's `contains`: lowercased, either string inside the other, or else an edit distance of at most
-- ⌊max(byte length) × drift / 100⌋ (the drift is a percentage here, a fraction for amounts). The
-- distance is computed only when it can decide: never at a threshold of 0 (equal strings contain each
-- other), nor when the lengths alone differ by more than the threshold.
CREATE FUNCTION reconciliation_contains(external_value text, internal_value text, drift_percent numeric) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  a text := lower(external_value);
  b text := lower(internal_value);
  threshold numeric;
BEGIN
  IF strpos(a, b) > 0 OR strpos(b, a) > 0 THEN RETURN true; END IF;
  -- No distance exceeds the longer length: a larger threshold (any drift) decides the same.
  threshold := least(floor(greatest(octet_length(a), octet_length(b)) * drift_percent / 100),
                     greatest(char_length(a), char_length(b)));
  IF threshold <= 0 OR abs(char_length(a) - char_length(b)) > threshold THEN RETURN false; END IF;
  RETURN coalesce(reconciliation_edit_distance(a, b) <= threshold, false);
END $$;
