-- The trigram indexes of migration 014 also answer `=` (pg_trgm's GIN operator class has equality),
-- and on a table without statistics (new, restored, or where autovacuum is off) the planner chose
-- them for the engine's `reference = ANY(...)` checks over the unique btree: a bulk of 1000 items
-- then took seconds. Indexed as lower(...), which search matches words against and no equality
-- check names, they serve search only.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
    DROP INDEX IF EXISTS transactions_reference_trgm_idx;
    DROP INDEX IF EXISTS transactions_description_trgm_idx;
    CREATE INDEX transactions_reference_trgm_idx ON transactions USING gin (lower(reference) gin_trgm_ops);
    CREATE INDEX transactions_description_trgm_idx ON transactions USING gin (lower(description) gin_trgm_ops);
  END IF;
END $$;
