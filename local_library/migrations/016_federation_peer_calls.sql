-- Calls from other library nodes (local_library/federation/).
-- A library-to-library state change carries an idempotency key: its answer is recorded in the transaction of
-- the change, so a retry (after a lost answer, a restart, an outbox redelivery) gets the same answer and the
-- change happens once. The fingerprint is a digest of method, path and body: a reused key with another request
-- is refused.
CREATE TABLE peer_call_results (
    caller_library text NOT NULL,
    idempotency_key text NOT NULL,
    request_fingerprint bytea NOT NULL,
    status integer NOT NULL,
    body jsonb NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (caller_library, idempotency_key)
);

-- Each time another library read or acted for one of our patrons on the patron's signed statement: who asked,
-- for which patron (the node's own id), what scope, and the statement's id (its jti) for the registry's record.
CREATE TABLE peer_patron_accesses (
    access_id bigserial PRIMARY KEY,
    accessed_at timestamptz NOT NULL DEFAULT now(),
    caller_library text NOT NULL,
    patron_id uuid NOT NULL REFERENCES patrons (patron_id) ON DELETE CASCADE,
    scope text NOT NULL,
    statement_id text NOT NULL
);
CREATE INDEX peer_patron_accesses_patron ON peer_patron_accesses (patron_id, accessed_at);
