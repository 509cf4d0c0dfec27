-- The ledger's hot write done in raw SQL, one transfer per commit, on Kassa's own tables: debit one
-- random balance, credit another (rows locked in id order, as Kassa does), insert the transaction row.
\set a random(1, :balances)
\set b random(1, :balances)
\set lo least(:a, :b)
\set hi greatest(:a, :b)
\set amount random(100, 1000)
\set lo_delta CASE WHEN :lo = :a THEN -:amount ELSE :amount END
\set lo_debit greatest(-:lo_delta, 0)
\set lo_credit greatest(:lo_delta, 0)
\set hi_debit :lo_credit
\set hi_credit :lo_debit
BEGIN;
UPDATE balances SET balance = balance + :lo_credit - :lo_debit,
  debit_balance = debit_balance + :lo_debit, credit_balance = credit_balance + :lo_credit,
  version = version + 1
  WHERE balance_id = 'bln_' || lpad(:lo::text, 8, '0');
UPDATE balances SET balance = balance + :hi_credit - :hi_debit,
  debit_balance = debit_balance + :hi_debit, credit_balance = credit_balance + :hi_credit,
  version = version + 1
  WHERE balance_id = 'bln_' || lpad(:hi::text, 8, '0');
INSERT INTO transactions (transaction_id, source, destination, reference, amount, precise_amount, precision, currency, status)
  VALUES ('txn_' || gen_random_uuid(), 'bln_' || lpad(:a::text, 8, '0'), 'bln_' || lpad(:b::text, 8, '0'),
          gen_random_uuid()::text, :amount / 100.0, :amount, 100, 'USD', 'APPLIED');
END;
