-- The trust-building program (issue 9): the pair's track and open level,
-- each member's pace, guided sessions with their answers and reflections,
-- and the log of "for tonight" prompts so a pair never gets one twice
-- until they have seen them all. Version 5 is the sealed exchanges.

-- One row per space once either member touches the program.
CREATE TABLE program_pairs (
    space_id INTEGER PRIMARY KEY REFERENCES spaces(id) ON DELETE CASCADE,
    track TEXT NOT NULL,
    open_level INTEGER NOT NULL,
    -- The civil day (YYYY-MM-DD, UTC) the open level opened; NULL for level 1.
    opened_on TEXT,
    updated_at INTEGER NOT NULL
);

-- Each member's own pace; the pair goes at the slower. Never shown to the
-- partner as theirs.
CREATE TABLE program_paces (
    space_id INTEGER NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    pace TEXT NOT NULL,
    PRIMARY KEY (space_id, user_id)
);

-- A guided session of one exercise. Alone-mode sessions are private to
-- the member who started them until they share them.
CREATE TABLE program_sessions (
    id INTEGER PRIMARY KEY,
    space_id INTEGER NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    exercise_id TEXT NOT NULL,
    exercise_level INTEGER NOT NULL,
    mode TEXT NOT NULL,
    shared INTEGER NOT NULL DEFAULT 0,
    started_at INTEGER NOT NULL,
    finished_at INTEGER
);
CREATE INDEX program_sessions_space ON program_sessions (space_id, started_at);

-- One member's answer to one question (prompt index) of one step.
CREATE TABLE program_answers (
    session_id INTEGER NOT NULL REFERENCES program_sessions(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    step INTEGER NOT NULL,
    prompt INTEGER NOT NULL,
    body TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (session_id, user_id, step, prompt)
);

-- Each member's closing reflection on a session.
CREATE TABLE program_reflections (
    session_id INTEGER NOT NULL REFERENCES program_sessions(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    learned TEXT NOT NULL,
    felt TEXT NOT NULL,
    rating INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (session_id, user_id)
);

-- "For tonight": one prompt per pair per day (days since 1970-01-01, UTC).
CREATE TABLE program_prompt_log (
    space_id INTEGER NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    day INTEGER NOT NULL,
    prompt_id TEXT NOT NULL,
    PRIMARY KEY (space_id, day)
);
