-- A split's own reference, recorded by the server with the id the split answered with (issue 11,
-- item 3). The split is refused as a repeat by this record, not by its legs' references alone, so a
-- client's own row holding `<ref>_1` moves that leg to a reference of its own instead of blocking it.
CREATE TABLE split_references (
  reference       text PRIMARY KEY,
  transaction_id  text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
);
