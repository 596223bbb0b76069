-- Unstaffed opening hours (meråpent; local_library/meraapent/).
-- Door controllers that call the HTTPS door check each have an account; only a SHA-256 digest of the
-- random token is stored (the token has 256 bits, so no slow hash is needed).
CREATE TABLE door_accounts (
    door text PRIMARY KEY CHECK (door ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
    token_digest bytea NOT NULL UNIQUE CHECK (octet_length(token_digest) = 32),
    created_at timestamptz NOT NULL
);

-- The signed access agreement, recorded by staff at the desk.
CREATE TABLE door_agreements (
    patron_id uuid PRIMARY KEY REFERENCES patrons (patron_id) ON DELETE CASCADE,
    signed_on date NOT NULL,
    recorded_by text NOT NULL,
    recorded_at timestamptz NOT NULL
);

-- The entry log: the minimum a library needs. The patron is a keyed hash of the node's patron id (never
-- the card number); a refusal before the patron is known (wrong PIN, unknown card) has no reference.
-- Entries older than the policy's entry_log_days are deleted by the daily run, leaving only the counts.
CREATE TABLE door_entries (
    entry_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    patron_ref bytea CHECK (octet_length(patron_ref) = 32),
    door text NOT NULL,
    at timestamptz NOT NULL,
    admitted boolean NOT NULL,
    reason text NOT NULL
);
CREATE INDEX door_entries_patron_idx ON door_entries (patron_ref, at);
CREATE INDEX door_entries_at_idx ON door_entries (at);

CREATE TABLE door_entry_counts (
    day date NOT NULL,
    door text NOT NULL,
    reason text NOT NULL,
    entries integer NOT NULL CHECK (entries >= 0),
    PRIMARY KEY (day, door, reason)
);

-- Every staff look-up of the entry log, itself logged (who, when, what was asked).
CREATE TABLE door_entry_lookups (
    lookup_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    staff_username text NOT NULL,
    at timestamptz NOT NULL,
    patron_id uuid,
    door text
);
