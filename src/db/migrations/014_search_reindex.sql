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
