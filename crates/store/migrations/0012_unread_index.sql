-- Every signed-in page shows the visitor's unread count, read with the
-- session. The index on (user_id, created_at) made that count visit every
-- notification the person ever had; this one holds only the unread ones.
CREATE INDEX notifications_unread ON notifications(user_id) WHERE read_at IS NULL;
