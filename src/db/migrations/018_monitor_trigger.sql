-- Balance monitors that fire once per crossing (Kassa's own, issue 16): 'level' fires after every
-- change while the condition holds (Blnk's behaviour, the default); 'crossing' fires when a change
-- makes the condition hold where it did not before, and re-arms once it stops holding.
ALTER TABLE balance_monitors ADD COLUMN trigger_mode text NOT NULL DEFAULT 'level'
  CHECK (trigger_mode IN ('level', 'crossing'));
