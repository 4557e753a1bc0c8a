-- Insights read in constant time, however long the history:
-- * each member's promise outcomes kept as a running tally (see
--   troth_domain::reliability::Tally), and on each promise the outcome it
--   currently adds to that tally, so a change can take it back;
-- * per space and week, counts of the moments insights compare.
-- Both are filled from the existing rows when this migration runs.

ALTER TABLE promises ADD COLUMN counted_kind TEXT;
ALTER TABLE promises ADD COLUMN counted_at INTEGER;

CREATE TABLE reliability_tallies (
    space_id INTEGER NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    n INTEGER NOT NULL,
    weight REAL NOT NULL,
    PRIMARY KEY (space_id, user_id, kind)
);

-- Open promises past due whose miss is not in the tally yet: read live by
-- the score, and folded into the tally by the reminders tick.
CREATE INDEX promises_uncounted ON promises(space_id, due_at) WHERE status = 'open' AND counted_kind IS NULL;
CREATE INDEX promises_uncounted_due ON promises(due_at) WHERE status = 'open' AND counted_kind IS NULL;
-- Recent outcomes per member (the keep rate shown before promising more).
CREATE INDEX promises_member_counted ON promises(space_id, promiser_id, counted_at);

CREATE TABLE space_weeks (
    space_id INTEGER NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    -- UTC weeks from Monday 1970-01-05.
    week INTEGER NOT NULL,
    appreciations INTEGER NOT NULL DEFAULT 0,
    kept INTEGER NOT NULL DEFAULT 0,
    missed INTEGER NOT NULL DEFAULT 0,
    rituals_started INTEGER NOT NULL DEFAULT 0,
    rituals_finished INTEGER NOT NULL DEFAULT 0,
    concerns INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (space_id, week)
);
