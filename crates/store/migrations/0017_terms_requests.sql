-- Renegotiating a promise is a request the partner answers. While one is
-- open, `proposed_at` is set and the other `proposed_*` columns hold the
-- terms asked for (`proposed_due` NULL: no due time; `proposed_text` NULL:
-- the wording stays). The promise itself keeps its terms until the partner
-- accepts; answering, withdrawing or settling the promise clears them.
ALTER TABLE promises ADD COLUMN proposed_at INTEGER;
ALTER TABLE promises ADD COLUMN proposed_due INTEGER;
ALTER TABLE promises ADD COLUMN proposed_text TEXT;
ALTER TABLE promises ADD COLUMN proposed_note TEXT;

-- The wording before and after, for events that change or propose terms
-- (the due times already have `old_due` and `new_due`).
ALTER TABLE promise_events ADD COLUMN old_text TEXT;
ALTER TABLE promise_events ADD COLUMN new_text TEXT;
