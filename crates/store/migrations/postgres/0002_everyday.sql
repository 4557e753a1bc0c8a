-- Keeping your word and showing up: promises, the weekly ritual,
-- appreciations, the trust pulse, notifications and calendar feeds.

-- The home page asks for what changed lately.
CREATE INDEX entries_space_updated ON entries(space_id, updated_at);

CREATE TABLE promises (
    id BIGINT PRIMARY KEY,
    space_id BIGINT NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    promiser_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    text TEXT NOT NULL,
    category TEXT,
    due_at BIGINT,
    status TEXT NOT NULL,
    renegotiations BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    settled_at BIGINT
);
CREATE INDEX promises_space_due ON promises(space_id, due_at);
CREATE INDEX promises_space_created ON promises(space_id, created_at);
CREATE INDEX promises_space_settled ON promises(space_id, settled_at);

CREATE TABLE promise_events (
    id BIGINT PRIMARY KEY,
    promise_id BIGINT NOT NULL REFERENCES promises(id) ON DELETE CASCADE,
    actor_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    kind TEXT NOT NULL,
    note TEXT,
    old_due BIGINT,
    new_due BIGINT,
    at BIGINT NOT NULL
);
CREATE INDEX promise_events_promise ON promise_events(promise_id, at);
CREATE INDEX promise_events_kind_at ON promise_events(kind, at);

CREATE TABLE ritual_slots (
    space_id BIGINT PRIMARY KEY REFERENCES spaces(id) ON DELETE CASCADE,
    weekday BIGINT NOT NULL,
    time_of_day TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    updated_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE rituals (
    id BIGINT PRIMARY KEY,
    space_id BIGINT NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    week_key TEXT NOT NULL,
    started_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    UNIQUE (space_id, week_key)
);
CREATE INDEX rituals_space_started ON rituals(space_id, started_at);

CREATE TABLE ritual_answers (
    ritual_id BIGINT NOT NULL REFERENCES rituals(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    step TEXT NOT NULL,
    body TEXT NOT NULL,
    -- For a concern: the proposed solution.
    proposal TEXT,
    rating BIGINT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (ritual_id, user_id, step)
);

CREATE TABLE appreciations (
    id BIGINT PRIMARY KEY,
    space_id BIGINT NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    author_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    text TEXT NOT NULL,
    hearted_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX appreciations_space_created ON appreciations(space_id, created_at);

CREATE TABLE appreciation_favourites (
    appreciation_id BIGINT NOT NULL REFERENCES appreciations(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (appreciation_id, user_id)
);

CREATE TABLE pulses (
    id BIGINT PRIMARY KEY,
    space_id BIGINT NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    emotional BIGINT NOT NULL,
    instrumental BIGINT NOT NULL,
    informational BIGINT NOT NULL,
    self_trust BIGINT NOT NULL,
    situational BIGINT NOT NULL,
    physical BIGINT NOT NULL,
    note TEXT NOT NULL,
    shared BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX pulses_user_space ON pulses(user_id, space_id, created_at);

CREATE TABLE notifications (
    id BIGINT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    space_id BIGINT REFERENCES spaces(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    link TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    read_at BIGINT
);
CREATE INDEX notifications_user ON notifications(user_id, created_at);

-- Which reminders went out, so several instances (or a restart) never send
-- the same one twice.
CREATE TABLE reminders_sent (
    kind TEXT NOT NULL,
    ref_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    occurrence TEXT NOT NULL,
    sent_at BIGINT NOT NULL,
    PRIMARY KEY (kind, ref_id, user_id, occurrence)
);

CREATE TABLE member_settings (
    user_id BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    notify_due_app BIGINT NOT NULL DEFAULT 1,
    notify_due_email BIGINT NOT NULL DEFAULT 0,
    notify_confirmed_app BIGINT NOT NULL DEFAULT 1,
    notify_confirmed_email BIGINT NOT NULL DEFAULT 0,
    notify_ritual_app BIGINT NOT NULL DEFAULT 1,
    notify_ritual_email BIGINT NOT NULL DEFAULT 0,
    commitment_threshold BIGINT NOT NULL DEFAULT 5,
    -- The calendar feed's secret is shown in settings, so it is kept as is;
    -- it grants read access to one person's calendar and can be rotated.
    calendar_secret TEXT UNIQUE
);
