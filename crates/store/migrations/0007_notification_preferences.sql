-- One choice per member, kind of notification and channel. Kinds used to be
-- free strings, and any kind without a setting of its own fell under the
-- "due soon" one, so turning that off silenced thanks and apologies too.
-- A row exists only where the member chose; otherwise the kind's default
-- applies (in the app: on; by email: off).
CREATE TABLE notification_preferences (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('app', 'email')),
    enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    PRIMARY KEY (user_id, kind, channel)
);

-- The three choices members could make so far, carried over as they were.
INSERT INTO notification_preferences (user_id, kind, channel, enabled)
    SELECT user_id, 'promise_due_soon', 'app', notify_due_app FROM member_settings;
INSERT INTO notification_preferences (user_id, kind, channel, enabled)
    SELECT user_id, 'promise_due_soon', 'email', notify_due_email FROM member_settings;
INSERT INTO notification_preferences (user_id, kind, channel, enabled)
    SELECT user_id, 'promise_confirmed', 'app', notify_confirmed_app FROM member_settings;
INSERT INTO notification_preferences (user_id, kind, channel, enabled)
    SELECT user_id, 'promise_confirmed', 'email', notify_confirmed_email FROM member_settings;
INSERT INTO notification_preferences (user_id, kind, channel, enabled)
    SELECT user_id, 'ritual', 'app', notify_ritual_app FROM member_settings;
INSERT INTO notification_preferences (user_id, kind, channel, enabled)
    SELECT user_id, 'ritual', 'email', notify_ritual_email FROM member_settings;

-- Past notifications get the names of the kinds they were.
UPDATE notifications SET kind = 'promise_due_soon' WHERE kind = 'due';
UPDATE notifications SET kind = 'promise_confirmed' WHERE kind = 'confirmed';
UPDATE notifications SET kind = 'promise_changed' WHERE kind = 'promise';
