-- Links sent by email: a registration waiting for its address to be
-- confirmed (and, later, a password reset). Only a hash of the link's
-- secret is kept, so a copy of the database cannot be used to follow one.
-- What the link finishes (for a registration: the password hash, the name,
-- the time zone and the first space) waits in `payload`, written and read
-- by the web layer. A link is used once: claiming it deletes the row.
-- `email` is not unique: each attempt has its own link, and the first one
-- followed makes the account.
CREATE TABLE email_links (
    token_hash TEXT PRIMARY KEY,
    purpose TEXT NOT NULL,
    email TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX email_links_expiry ON email_links(expires_at);
CREATE INDEX email_links_email ON email_links(email);
