-- Search (issue 14) finds the words of `q` in a transaction's reference and description through one
-- GIN index over their words, instead of a regular expression rechecked on every trigram candidate.
-- A word is what lies between characters that are not letters or digits, lower-cased: the same words
-- search.sql's patterns and the highlighter see. Reference words carry weight A and description words
-- weight B, so a tsquery can ask for a word in either field or both (`'acme':AB`).
--
-- Bounds that keep every insert valid: the first 100,000 characters of a field are read (a tsvector
-- holds at most 1 MB of words), and a word over 2,047 bytes (tsvector's limit) is left out.
CREATE FUNCTION search_words(text) RETURNS tsvector
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$
    SELECT array_to_tsvector(ARRAY(
      SELECT word FROM unnest(regexp_split_to_array(lower(left($1, 100000)), '[^[:alnum:]]+')) AS word
       WHERE word <> '' AND octet_length(word) < 2048))
  $$;

-- Stored, so that matching a row never re-splits its text; transactions are immutable, so each row
-- computes it once, when it is written.
ALTER TABLE transactions
  ADD COLUMN search_words tsvector
  GENERATED ALWAYS AS (setweight(search_words(reference), 'A') || setweight(search_words(description), 'B')) STORED;

CREATE INDEX transactions_search_words_idx ON transactions USING gin (search_words);
