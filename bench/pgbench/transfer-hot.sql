-- One transfer per commit where every transfer debits the same funded balance (exact funds check in
-- the UPDATE, no overdraft), then credits a random one and inserts the transaction row.
\set b random(1, :balances)
\set amount random(100, 1000)
BEGIN;
UPDATE balances SET balance = balance - :amount, debit_balance = debit_balance + :amount, version = version + 1
  WHERE balance_id = 'bln_hot' AND balance >= :amount;
UPDATE balances SET balance = balance + :amount, credit_balance = credit_balance + :amount, version = version + 1
  WHERE balance_id = 'bln_' || lpad(:b::text, 8, '0');
INSERT INTO transactions (transaction_id, source, destination, reference, amount, precise_amount, precision, currency, status)
  VALUES ('txn_' || gen_random_uuid(), 'bln_hot', 'bln_' || lpad(:b::text, 8, '0'),
          gen_random_uuid()::text, :amount / 100.0, :amount, 100, 'USD', 'APPLIED');
END;
