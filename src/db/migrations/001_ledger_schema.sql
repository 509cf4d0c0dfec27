-- The ledger's tables: ledgers, identities, balances, transactions, balance monitors, snapshots.
-- Money columns are NUMERIC (arbitrary size); no float column ever holds a balance.

CREATE TABLE ledgers (
  ledger_id   text PRIMARY KEY,
  name        text NOT NULL DEFAULT '',
  created_at  timestamptz NOT NULL DEFAULT now(),
  meta_data   jsonb
);
CREATE INDEX ledgers_created_at_idx ON ledgers (created_at DESC);
INSERT INTO ledgers (ledger_id, name) VALUES ('general_ledger_id', 'General Ledger');

CREATE TABLE identities (
  identity_id        text PRIMARY KEY,
  identity_type      text NOT NULL DEFAULT '',
  organization_name  text NOT NULL DEFAULT '',
  category           text NOT NULL DEFAULT '',
  first_name         text NOT NULL DEFAULT '',
  last_name          text NOT NULL DEFAULT '',
  other_names        text NOT NULL DEFAULT '',
  gender             text NOT NULL DEFAULT '',
  email_address      text NOT NULL DEFAULT '',
  phone_number       text NOT NULL DEFAULT '',
  nationality        text NOT NULL DEFAULT '',
  street             text NOT NULL DEFAULT '',
  country            text NOT NULL DEFAULT '',
  state              text NOT NULL DEFAULT '',
  post_code          text NOT NULL DEFAULT '',
  city               text NOT NULL DEFAULT '',
  dob                date,
  created_at         timestamptz NOT NULL DEFAULT now(),
  meta_data          jsonb
);
CREATE INDEX identities_created_at_idx ON identities (created_at DESC);

CREATE TABLE balances (
  balance_id               text PRIMARY KEY,
  indicator                text,
  currency                 text NOT NULL,
  ledger_id                text NOT NULL REFERENCES ledgers (ledger_id),
  identity_id              text REFERENCES identities (identity_id),
  balance                  numeric NOT NULL DEFAULT 0,
  credit_balance           numeric NOT NULL DEFAULT 0,
  debit_balance            numeric NOT NULL DEFAULT 0,
  inflight_balance         numeric NOT NULL DEFAULT 0,
  inflight_credit_balance  numeric NOT NULL DEFAULT 0,
  inflight_debit_balance   numeric NOT NULL DEFAULT 0,
  version                  bigint NOT NULL DEFAULT 1,
  created_at               timestamptz NOT NULL DEFAULT now(),
  meta_data                jsonb,
  track_fund_lineage       boolean NOT NULL DEFAULT false,
  allocation_strategy      text NOT NULL DEFAULT 'FIFO',
  CONSTRAINT balances_unique_indicator_currency UNIQUE (indicator, currency),
  CONSTRAINT balances_net CHECK (balance = credit_balance - debit_balance),
  CONSTRAINT balances_inflight_net CHECK (inflight_balance = inflight_credit_balance - inflight_debit_balance),
  CONSTRAINT balances_components_non_negative CHECK (
    credit_balance >= 0 AND debit_balance >= 0 AND inflight_credit_balance >= 0 AND inflight_debit_balance >= 0)
);
CREATE INDEX balances_created_at_idx ON balances (created_at DESC);
CREATE INDEX balances_ledger_id_idx ON balances (ledger_id);
CREATE INDEX balances_identity_id_idx ON balances (identity_id);

-- Rows are immutable but for meta_data: every state change is a new row linked by parent_transaction.
-- `seq` orders rows by insertion; created_at DESC lists are ordered (created_at, seq).
CREATE TABLE transactions (
  seq                 bigserial UNIQUE,
  transaction_id      text PRIMARY KEY,
  parent_transaction  text NOT NULL DEFAULT '',
  source              text REFERENCES balances (balance_id),
  destination         text REFERENCES balances (balance_id),
  reference           text NOT NULL,
  amount              numeric NOT NULL,
  precise_amount      numeric NOT NULL,
  precision           bigint NOT NULL DEFAULT 1,
  currency            text NOT NULL,
  description         text NOT NULL DEFAULT '',
  status              text NOT NULL,
  hash                text NOT NULL DEFAULT '',
  allow_overdraft     boolean NOT NULL DEFAULT false,
  inflight            boolean NOT NULL DEFAULT false,
  atomic              boolean NOT NULL DEFAULT false,
  created_at          timestamptz NOT NULL DEFAULT now(),
  scheduled_for       timestamptz,
  effective_date      timestamptz,
  inflight_expiry_date timestamptz,
  inflight_commit_date timestamptz,
  meta_data           jsonb,
  CONSTRAINT transactions_reference_unique UNIQUE (reference),
  CONSTRAINT transactions_status CHECK (status IN ('QUEUED', 'SCHEDULED', 'APPLIED', 'INFLIGHT', 'VOID', 'REJECTED'))
);
CREATE INDEX transactions_created_at_idx ON transactions (created_at DESC, seq DESC);
CREATE INDEX transactions_parent_idx ON transactions (parent_transaction) WHERE parent_transaction <> '';
CREATE INDEX transactions_source_idx ON transactions (source);
CREATE INDEX transactions_destination_idx ON transactions (destination);
CREATE INDEX transactions_status_idx ON transactions (status);
CREATE INDEX transactions_queued_parent_idx ON transactions ((meta_data ->> 'QUEUED_PARENT_TRANSACTION'));

CREATE FUNCTION transactions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'transactions are immutable: rows cannot be deleted';
  END IF;
  IF (NEW.transaction_id, NEW.parent_transaction, NEW.source, NEW.destination, NEW.reference, NEW.amount,
      NEW.precise_amount, NEW.precision, NEW.currency, NEW.description, NEW.status, NEW.hash, NEW.created_at,
      NEW.scheduled_for, NEW.effective_date)
     IS DISTINCT FROM
     (OLD.transaction_id, OLD.parent_transaction, OLD.source, OLD.destination, OLD.reference, OLD.amount,
      OLD.precise_amount, OLD.precision, OLD.currency, OLD.description, OLD.status, OLD.hash, OLD.created_at,
      OLD.scheduled_for, OLD.effective_date) THEN
    RAISE EXCEPTION 'transactions are immutable: only meta_data may change';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER transactions_immutable BEFORE UPDATE OR DELETE ON transactions
  FOR EACH ROW EXECUTE FUNCTION transactions_immutable();

CREATE TABLE balance_monitors (
  monitor_id     text PRIMARY KEY,
  balance_id     text NOT NULL REFERENCES balances (balance_id),
  field          text NOT NULL CHECK (field IN ('debit_balance', 'credit_balance', 'balance',
                   'inflight_debit_balance', 'inflight_credit_balance', 'inflight_balance')),
  operator       text NOT NULL CHECK (operator IN ('>', '<', '>=', '<=', '=', '!=')),
  value          text NOT NULL,
  precision      text NOT NULL,
  precise_value  numeric NOT NULL,
  description    text NOT NULL DEFAULT '',
  call_back_url  text NOT NULL DEFAULT '',
  created_at     timestamptz NOT NULL DEFAULT now(),
  meta_data      jsonb
);
CREATE INDEX balance_monitors_balance_id_idx ON balance_monitors (balance_id);

CREATE TABLE balance_snapshots (
  snapshot_id              bigserial PRIMARY KEY,
  balance_id               text NOT NULL REFERENCES balances (balance_id),
  ledger_id                text NOT NULL REFERENCES ledgers (ledger_id),
  balance                  numeric NOT NULL,
  credit_balance           numeric NOT NULL,
  debit_balance            numeric NOT NULL,
  inflight_balance         numeric NOT NULL,
  inflight_credit_balance  numeric NOT NULL,
  inflight_debit_balance   numeric NOT NULL,
  currency                 text NOT NULL,
  snapshot_time            timestamptz NOT NULL,
  snapshot_day             date NOT NULL,
  last_tx_id               text NOT NULL DEFAULT '',
  created_at               timestamptz NOT NULL DEFAULT now(),
  meta_data                jsonb,
  CONSTRAINT balance_snapshots_one_per_day UNIQUE (balance_id, snapshot_day)
);
CREATE INDEX balance_snapshots_time_idx ON balance_snapshots (balance_id, snapshot_time DESC);
