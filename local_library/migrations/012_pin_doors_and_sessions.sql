-- PIN lockout by door (registry/crypto/lockout.py, shared with the registry): desk and kiosk failures keep
-- failed_pin_attempts (locks for good after ten, until the desk sets a new PIN); Min side failures count in
-- a counter of their own that only ever delays. Before, five failures locked for 15 minutes and the count
-- started over, about 480 guesses a day for ever. The delay is computed from the time of the last failure.
ALTER TABLE patrons
    ADD COLUMN pin_last_failed_at timestamptz,
    ADD COLUMN online_failed_pin_attempts integer NOT NULL DEFAULT 0,
    ADD COLUMN online_pin_last_failed_at timestamptz;

UPDATE patrons SET pin_last_failed_at = now() WHERE failed_pin_attempts > 0;
ALTER TABLE patrons DROP COLUMN pin_locked_until;

-- Min side sessions, held by the server so that logging out (or a new PIN) ends them at once. Only a
-- SHA-256 digest of the random session id is stored; the cookie carries the id and its MAC.
CREATE TABLE patron_sessions (
    session_digest bytea PRIMARY KEY CHECK (octet_length(session_digest) = 32),
    patron_id uuid NOT NULL REFERENCES patrons (patron_id) ON DELETE CASCADE,
    issued_at timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL
);

CREATE INDEX patron_sessions_patron_idx ON patron_sessions (patron_id);
CREATE INDEX patron_sessions_issued_idx ON patron_sessions (issued_at);
