-- Shared goals and new experiences: shared by design, both members read
-- and write all of it. Who made or ticked something is kept for the page
-- ("ticked by Sam on ...") and unlinked when that person deletes their
-- account; the rows stay with the partner.
--
-- `done_at` is kept by the rule in troth_domain::goals (every milestone
-- ticked, or every current member agrees), applied after each change in
-- the goal's own transaction.
CREATE TABLE goals (
    id INTEGER PRIMARY KEY,
    space_id INTEGER NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    title TEXT NOT NULL,
    why TEXT,
    target_date TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    done_at INTEGER
);
CREATE INDEX goals_space_created ON goals(space_id, created_at);

CREATE TABLE goal_milestones (
    id INTEGER PRIMARY KEY,
    goal_id INTEGER NOT NULL REFERENCES goals(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    position INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    ticked_at INTEGER,
    ticked_by INTEGER REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX goal_milestones_goal ON goal_milestones(goal_id, position);

-- "We are done": one row per member who says so.
CREATE TABLE goal_agreements (
    goal_id INTEGER NOT NULL REFERENCES goals(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    agreed_at INTEGER NOT NULL,
    PRIMARY KEY (goal_id, user_id)
);

CREATE TABLE experiences (
    id INTEGER PRIMARY KEY,
    space_id INTEGER NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    title TEXT NOT NULL,
    planned_on TEXT,
    created_at INTEGER NOT NULL,
    done_at INTEGER,
    done_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    how_it_went TEXT
);
CREATE INDEX experiences_space_created ON experiences(space_id, created_at);

-- Private reflections on one's own trustworthiness: keyed by the person
-- alone (no space), so leaving a space leaves them be and nothing about a
-- space can reach them; deleted with the account. One row per reflection,
-- a 0-10 rating and an optional note per quality.
CREATE TABLE reflections (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    competence INTEGER NOT NULL CHECK (competence BETWEEN 0 AND 10),
    competence_note TEXT,
    consistency INTEGER NOT NULL CHECK (consistency BETWEEN 0 AND 10),
    consistency_note TEXT,
    integrity INTEGER NOT NULL CHECK (integrity BETWEEN 0 AND 10),
    integrity_note TEXT,
    compassion INTEGER NOT NULL CHECK (compassion BETWEEN 0 AND 10),
    compassion_note TEXT
);
CREATE INDEX reflections_user_created ON reflections(user_id, created_at);
