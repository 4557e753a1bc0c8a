-- The trust timeline: moments that built trust or challenged it. Shared by
-- both members; a moment stays with the space when its author leaves and
-- is unlinked from them (SET NULL) when they delete their account.
-- `happened_on` is a calendar date written YYYY-MM-DD, so it sorts as text.
CREATE TABLE timeline_moments (
    id INTEGER PRIMARY KEY,
    space_id INTEGER NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    author_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    happened_on TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('built', 'challenged')),
    title TEXT NOT NULL,
    learned TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX timeline_moments_space_day ON timeline_moments(space_id, happened_on);
