-- The staff desk (/staff/): staff log in with username and password and get a server-held session, like
-- Min side's patrons (plumbing.web.sessions). Sessions name the account by a stable id rather than the
-- username, so the table has the same shape as patron_sessions; deleting an account ends its sessions.
ALTER TABLE staff_accounts ADD COLUMN staff_id uuid NOT NULL UNIQUE DEFAULT gen_random_uuid();

CREATE TABLE staff_sessions (
    session_digest bytea PRIMARY KEY CHECK (octet_length(session_digest) = 32),
    staff_id uuid NOT NULL REFERENCES staff_accounts (staff_id) ON DELETE CASCADE,
    issued_at timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL
);

CREATE INDEX staff_sessions_staff_idx ON staff_sessions (staff_id);
CREATE INDEX staff_sessions_issued_idx ON staff_sessions (issued_at);
