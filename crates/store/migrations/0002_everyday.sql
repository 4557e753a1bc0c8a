-- Keeping your word and showing up: promises, the weekly ritual,
-- appreciations, the trust pulse, notifications and calendar feeds.

-- The home page asks for what changed lately.
CREATE INDEX entries_space_updated ON entries(space_id, updated_at);

CREATE TABLE promises (
    id INTEGER PRIMARY KEY,
    space_id INTEGER NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    promiser_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    text TEXT NOT NULL,
    category TEXT,
    due_at INTEGER,
    status TEXT NOT NULL,
    renegotiations INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    settled_at INTEGER
);
CREATE INDEX promises_space_due ON promises(space_id, due_at);
CREATE INDEX promises_space_created ON promises(space_id, created_at);
CREATE INDEX promises_space_settled ON promises(space_id, settled_at);

CREATE TABLE promise_events (
    id INTEGER PRIMARY KEY,
    promise_id INTEGER NOT NULL REFERENCES promises(id) ON DELETE CASCADE,
    actor_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    kind TEXT NOT NULL,
    note TEXT,
    old_due INTEGER,
    new_due INTEGER,
    at INTEGER NOT NULL
);
CREATE INDEX promise_events_promise ON promise_events(promise_id, at);
CREATE INDEX promise_events_kind_at ON promise_events(kind, at);

CREATE TABLE ritual_slots (
    space_id INTEGER PRIMARY KEY REFERENCES spaces(id) ON DELETE CASCADE,
    weekday INTEGER NOT NULL,
    time_of_day TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    updated_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE rituals (
    id INTEGER PRIMARY KEY,
    space_id INTEGER NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    week_key TEXT NOT NULL,
    started_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    started_at INTEGER NOT NULL,
    finished_at INTEGER,
    UNIQUE (space_id, week_key)
);
CREATE INDEX rituals_space_started ON rituals(space_id, started_at);

CREATE TABLE ritual_answers (
    ritual_id INTEGER NOT NULL REFERENCES rituals(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    step TEXT NOT NULL,
    body TEXT NOT NULL,
    -- For a concern: the proposed solution.
    proposal TEXT,
    rating INTEGER,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (ritual_id, user_id, step)
);

CREATE TABLE appreciations (
    id INTEGER PRIMARY KEY,
    space_id INTEGER NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    author_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    text TEXT NOT NULL,
    hearted_at INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX appreciations_space_created ON appreciations(space_id, created_at);

CREATE TABLE appreciation_favourites (
    appreciation_id INTEGER NOT NULL REFERENCES appreciations(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (appreciation_id, user_id)
);

CREATE TABLE pulses (
    id INTEGER PRIMARY KEY,
    space_id INTEGER NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    emotional INTEGER NOT NULL,
    instrumental INTEGER NOT NULL,
    informational INTEGER NOT NULL,
    self_trust INTEGER NOT NULL,
    situational INTEGER NOT NULL,
    physical INTEGER NOT NULL,
    note TEXT NOT NULL,
    shared INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE INDEX pulses_user_space ON pulses(user_id, space_id, created_at);

CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    space_id INTEGER REFERENCES spaces(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    link TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    read_at INTEGER
);
CREATE INDEX notifications_user ON notifications(user_id, created_at);

-- Which reminders went out, so several instances (or a restart) never send
-- the same one twice.
CREATE TABLE reminders_sent (
    kind TEXT NOT NULL,
    ref_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    occurrence TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    PRIMARY KEY (kind, ref_id, user_id, occurrence)
);

CREATE TABLE member_settings (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    notify_due_app INTEGER NOT NULL DEFAULT 1,
    notify_due_email INTEGER NOT NULL DEFAULT 0,
    notify_confirmed_app INTEGER NOT NULL DEFAULT 1,
    notify_confirmed_email INTEGER NOT NULL DEFAULT 0,
    notify_ritual_app INTEGER NOT NULL DEFAULT 1,
    notify_ritual_email INTEGER NOT NULL DEFAULT 0,
    commitment_threshold INTEGER NOT NULL DEFAULT 5,
    -- The calendar feed's secret is shown in settings, so it is kept as is;
    -- it grants read access to one person's calendar and can be rotated.
    calendar_secret TEXT UNIQUE
);
