-- The national patron record: exactly the fields the privacy statement permits, and nothing more.
-- Every personal field is AES-256-GCM ciphertext under the patron's own data key (the *_ciphertext
-- columns); the data key is stored wrapped by a versioned key-encryption key kept outside the database.
-- tests/registry/test_schema_allowlist.py pins this list: adding a column must be a deliberate act.

-- Card numbers come from one national series; the check digit is added by the application.
CREATE SEQUENCE card_serial_sequence START WITH 1000 MAXVALUE 999999999 NO CYCLE;

CREATE TABLE patrons (
    patron_id uuid PRIMARY KEY,
    -- HMAC-SHA256 of the national ID under a key outside the database: lookup and uniqueness without the ID.
    national_id_index bytea NOT NULL UNIQUE CHECK (octet_length(national_id_index) = 32),
    card_serial bigint NOT NULL UNIQUE,
    wrapped_data_key bytea NOT NULL,
    kek_version integer NOT NULL,
    national_id_ciphertext bytea NOT NULL,
    birth_date_ciphertext bytea NOT NULL,
    gender_ciphertext bytea NOT NULL,
    name_ciphertext bytea NOT NULL,
    addresses_ciphertext bytea NOT NULL,
    phone_numbers_ciphertext bytea NOT NULL,
    email_ciphertext bytea,
    preferred_contact_ciphertext bytea NOT NULL,
    home_library text,
    pin_hash text,
    pin_failed_attempts integer NOT NULL DEFAULT 0,
    pin_locked_until timestamptz,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Resumable key rotation walks the patrons still wrapped under an old key version.
CREATE INDEX patrons_kek_version_idx ON patrons (kek_version, patron_id);

-- Which libraries the patron is associated with (item 12 of the permitted list).
CREATE TABLE patron_libraries (
    patron_id uuid NOT NULL REFERENCES patrons (patron_id) ON DELETE CASCADE,
    library_id text NOT NULL,
    linked_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (patron_id, library_id)
);

CREATE INDEX patron_libraries_library_idx ON patron_libraries (library_id, patron_id);

-- Card numbers that were replaced (lost cards): they stop working, and a lookup says so.
CREATE TABLE replaced_cards (
    card_serial bigint PRIMARY KEY,
    patron_id uuid NOT NULL REFERENCES patrons (patron_id) ON DELETE CASCADE,
    replaced_at timestamptz NOT NULL DEFAULT now()
);

-- Idempotency keys of writes from libraries: a retried write returns the first outcome, never repeats it.
-- Only identifiers are kept here, never personal data.
CREATE TABLE idempotent_requests (
    library_id text NOT NULL,
    idempotency_key text NOT NULL,
    request_fingerprint bytea NOT NULL,
    operation text NOT NULL,
    patron_id uuid,
    response_status integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (library_id, idempotency_key)
);

-- The change feed: one row per change per library that must hear of it. Rows carry identifiers only;
-- a node fetches the current record when it applies a change. transaction_id orders rows by the
-- transaction that wrote them, so a reader never passes a row whose transaction has not committed yet.
CREATE TABLE change_feed (
    sequence_number bigint GENERATED ALWAYS AS IDENTITY,
    transaction_id bigint NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    library_id text NOT NULL,
    patron_id uuid NOT NULL,
    change text NOT NULL CHECK (
        change IN ('registered', 'updated', 'linked', 'unlinked', 'card_replaced', 'deleted', 'opted_out', 'deceased')
    ),
    patron_version integer,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (library_id, transaction_id, sequence_number)
);

-- Deletion requests and death notices, kept for the registry administrators to process.
CREATE TABLE erasure_requests (
    request_id uuid PRIMARY KEY,
    patron_id uuid NOT NULL REFERENCES patrons (patron_id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN ('deletion', 'death_notice')),
    filed_by_library text,
    filed_via text NOT NULL CHECK (filed_via IN ('library', 'insight_page')),
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    filed_at timestamptz NOT NULL DEFAULT now(),
    decided_at timestamptz,
    decided_by text
);

CREATE UNIQUE INDEX erasure_requests_one_pending_idx
    ON erasure_requests (patron_id, kind) WHERE status = 'pending';

-- Patrons whose record was erased: only the UUID and the time, so an erasure can be re-applied after a
-- restore from backup.
CREATE TABLE erasure_ledger (
    patron_id uuid PRIMARY KEY,
    reason text NOT NULL CHECK (reason IN ('deletion', 'death_notice', 'opted_out', 'last_library_unlinked')),
    erased_at timestamptz NOT NULL DEFAULT now()
);
