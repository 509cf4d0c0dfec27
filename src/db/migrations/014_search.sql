-- Search (issue 14) reads the ledger's tables directly, so there is no index to fill; a reindex walks
-- every collection and checks each row renders as a document. Its progress is one row here, so that
-- every process answers GET /search/reindex alike and only one run happens at a time; a run whose
-- process stopped beating for a minute may be replaced.
CREATE TABLE search_reindex (
  id                 smallint PRIMARY KEY CHECK (id = 1),
  status             text NOT NULL,
  phase              text NOT NULL,
  batch_size         integer NOT NULL,
  total_records      bigint NOT NULL DEFAULT 0,
  processed_records  bigint NOT NULL DEFAULT 0,
  errors             jsonb NOT NULL DEFAULT '[]',
  started_at         timestamptz NOT NULL DEFAULT now(),
  completed_at       timestamptz,
  heartbeat_at       timestamptz NOT NULL DEFAULT now()
);

-- Words in q are found through trigram indexes, which also give typo tolerance (pg_trgm's word
-- similarity). pg_trgm ships with PostgreSQL and is a trusted extension, but a database user without
-- the right to create it still gets a working search: without typo tolerance, and scanning.
DO $$
BEGIN
  CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN insufficient_privilege OR undefined_file OR feature_not_supported THEN
  RAISE NOTICE 'pg_trgm is not available: search works without typo tolerance or trigram indexes';
END $$;
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
    CREATE INDEX transactions_reference_trgm_idx ON transactions USING gin (reference gin_trgm_ops);
    CREATE INDEX transactions_description_trgm_idx ON transactions USING gin (description gin_trgm_ops);
  END IF;
END $$;
