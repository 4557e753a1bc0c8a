-- Each member's own answer to "show each other's scores" in a space (1 for
-- yes). Insights show the partner's reliability only when both said yes,
-- so neither is scored by the other without agreeing to it.
ALTER TABLE memberships ADD COLUMN shows_scores INTEGER NOT NULL DEFAULT 0;
