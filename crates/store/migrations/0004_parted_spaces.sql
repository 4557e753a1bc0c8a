-- When a member leaves, the space keeps the history the two of them wrote
-- and takes no new member: whatever they shared was shared with each other,
-- never with whoever might join later. A new person starts a new space.
ALTER TABLE spaces ADD COLUMN parted_at INTEGER;
