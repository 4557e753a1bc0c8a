-- The shared memory journal: moments the two came through together. Both
-- members read, add, comment and edit; an edit first copies the version it
-- replaces into journal_revisions, so the history is never rewritten.
--
-- Entries, comments and photos are shared with the partner by design: they
-- stay with the space when their author leaves, and their authorship is
-- unlinked (SET NULL) when the author deletes their account.
CREATE TABLE journal_entries (
    id INTEGER PRIMARY KEY,
    space_id INTEGER NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    author_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    title TEXT NOT NULL,
    happened TEXT NOT NULL,
    supported TEXT NOT NULL,
    learned TEXT NOT NULL,
    -- 1 for an entry never edited; each edit adds one.
    revision INTEGER NOT NULL DEFAULT 1,
    edited_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    edited_at INTEGER
);
CREATE INDEX journal_entries_space_created ON journal_entries(space_id, created_at);

-- Earlier versions of an entry: revision n is what the entry said before
-- the edit that made revision n + 1.
CREATE TABLE journal_revisions (
    entry_id INTEGER NOT NULL REFERENCES journal_entries(id) ON DELETE CASCADE,
    revision INTEGER NOT NULL,
    written_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    title TEXT NOT NULL,
    happened TEXT NOT NULL,
    supported TEXT NOT NULL,
    learned TEXT NOT NULL,
    written_at INTEGER NOT NULL,
    PRIMARY KEY (entry_id, revision)
);

CREATE TABLE journal_comments (
    id INTEGER PRIMARY KEY,
    entry_id INTEGER NOT NULL REFERENCES journal_entries(id) ON DELETE CASCADE,
    author_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX journal_comments_entry ON journal_comments(entry_id, created_at);

-- Photos as stored: re-encoded JPEG (no camera or location metadata), at
-- most 1600 px on the long side, kept in the database so that backups,
-- restores, exports and several instances all see the same files.
CREATE TABLE journal_photos (
    id INTEGER PRIMARY KEY,
    entry_id INTEGER NOT NULL REFERENCES journal_entries(id) ON DELETE CASCADE,
    added_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    content_type TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    data BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX journal_photos_entry ON journal_photos(entry_id);
