-- PIN lockout by door (registry/crypto/lockout.py): the libraries' doors keep pin_failed_attempts (locks for
-- good after ten), the public insight site and the nodes' Min side count in a counter of their own that only
-- ever delays, so a stranger on the internet cannot lock a card for good. Both counters store the time of the
-- last failure; the delay is computed from it, so pin_locked_until is no longer needed.
ALTER TABLE patrons
    ADD COLUMN pin_last_failed_at timestamptz,
    ADD COLUMN pin_online_failed_attempts integer NOT NULL DEFAULT 0,
    ADD COLUMN pin_online_last_failed_at timestamptz;

-- A running delay is carried over as "the last failure was now"; a lock for good stays one (ten failures).
UPDATE patrons SET pin_last_failed_at = now() WHERE pin_failed_attempts > 0;
ALTER TABLE patrons DROP COLUMN pin_locked_until;

-- Sessions of the insight site, held by the server so that logging out (or a new PIN) ends them at once.
-- The cookie carries a random id and its MAC; only a SHA-256 digest of the id is stored, so a read of this
-- table does not yield cookies anyone could use.
CREATE TABLE patron_sessions (
    session_digest bytea PRIMARY KEY CHECK (octet_length(session_digest) = 32),
    patron_id uuid NOT NULL REFERENCES patrons (patron_id) ON DELETE CASCADE,
    issued_at timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL
);

CREATE INDEX patron_sessions_patron_idx ON patron_sessions (patron_id);
CREATE INDEX patron_sessions_issued_idx ON patron_sessions (issued_at);
