-- What a member has typed in a ritual step but not yet saved as their
-- answer, and the steps they chose to skip. Private to whoever typed it:
-- the partner never reads these rows, nor learns that one exists. Saving
-- the step's answer deletes the step's rows.
--
-- `entered_by` is who typed it: the member themselves, or, when the two
-- answer together on one screen, the partner whose device it is. A draft
-- shows only on the device of whoever typed it.
CREATE TABLE ritual_drafts (
    ritual_id INTEGER NOT NULL REFERENCES rituals(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    step TEXT NOT NULL,
    entered_by INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    proposal TEXT,
    rating INTEGER,
    -- 1 when the member chose to skip the step (in a step both answer, that
    -- opens the partner's answer to them without writing their own).
    skipped INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (ritual_id, user_id, step, entered_by)
);

-- An answer typed on the partner's device (both answering together on one
-- screen) names that partner; NULL when the author typed it themselves.
ALTER TABLE ritual_answers ADD COLUMN entered_by INTEGER REFERENCES users(id) ON DELETE SET NULL;
