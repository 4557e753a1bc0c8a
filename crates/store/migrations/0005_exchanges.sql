-- Sealed exchanges: both members write a part; neither part can be read by
-- the other until both are in; then both open at once.
--
-- The exchange row carries no "updated_at": its visible times are when it
-- was made and when it opened, so writing or rewriting a hidden part moves
-- nothing the partner can see. `parts_written` is kept under the row's lock
-- by every part write, so the reveal is one conditional update
-- (status 'open' and one part already in) inside the second part's
-- transaction.
CREATE TABLE exchanges (
    id INTEGER PRIMARY KEY,
    space_id INTEGER NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    prompt TEXT NOT NULL,
    prompt_id TEXT,
    exercise_id TEXT,
    status TEXT NOT NULL CHECK (status IN ('open', 'revealed', 'withdrawn')),
    parts_written INTEGER NOT NULL DEFAULT 0 CHECK (parts_written BETWEEN 0 AND 2),
    created_at INTEGER NOT NULL,
    revealed_at INTEGER,
    closed_at INTEGER
);
CREATE INDEX exchanges_space_created ON exchanges(space_id, created_at);

-- A part stays with the partner once revealed, even when its author
-- deletes their account (author_id becomes NULL then); unrevealed parts are
-- deleted when their author leaves.
CREATE TABLE exchange_parts (
    id INTEGER PRIMARY KEY,
    exchange_id INTEGER NOT NULL REFERENCES exchanges(id) ON DELETE CASCADE,
    author_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    body TEXT NOT NULL,
    written_at INTEGER NOT NULL,
    edited_at INTEGER NOT NULL,
    UNIQUE (exchange_id, author_id)
);

-- Listening responses after the reveal, one per member and exchange.
CREATE TABLE exchange_responses (
    id INTEGER PRIMARY KEY,
    exchange_id INTEGER NOT NULL REFERENCES exchanges(id) ON DELETE CASCADE,
    author_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    heard TEXT,
    understood TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (exchange_id, author_id)
);

-- "One to remember": private to the member who marked it.
CREATE TABLE exchange_marks (
    exchange_id INTEGER NOT NULL REFERENCES exchanges(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    marked_at INTEGER NOT NULL,
    PRIMARY KEY (exchange_id, user_id)
);
