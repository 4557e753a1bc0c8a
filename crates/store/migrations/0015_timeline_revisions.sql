-- Timeline moments keep their history, as journal entries do: an edit first
-- copies the version it replaces into timeline_revisions, so what a moment
-- said before is never rewritten, and two edits at once cannot silently
-- overwrite each other (the one made from an older revision is refused).
ALTER TABLE timeline_moments ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
ALTER TABLE timeline_moments ADD COLUMN edited_by INTEGER REFERENCES users(id) ON DELETE SET NULL;

-- Earlier versions of a moment: revision n is what the moment said before
-- the edit that made revision n + 1. They go with the moment when it is
-- taken off the timeline, and their writer is unlinked (SET NULL) when
-- that member deletes their account.
CREATE TABLE timeline_revisions (
    moment_id INTEGER NOT NULL REFERENCES timeline_moments(id) ON DELETE CASCADE,
    revision INTEGER NOT NULL,
    written_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    happened_on TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('built', 'challenged')),
    title TEXT NOT NULL,
    learned TEXT NOT NULL,
    written_at INTEGER NOT NULL,
    PRIMARY KEY (moment_id, revision)
);
