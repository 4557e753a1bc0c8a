-- A member may put away the "start here" card of a space; it then stays
-- away for them in that space (the other member keeps their own).
ALTER TABLE memberships ADD COLUMN first_steps_dismissed_at INTEGER;
