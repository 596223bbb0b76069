-- Writes this node owes the registry, delivered in order with retries and idempotency keys, so the desk keeps
-- working while the registry is away and each write is applied there exactly once when it is back.
CREATE TABLE registry_outbox (
    outbox_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    idempotency_key uuid NOT NULL UNIQUE,
    operation text NOT NULL CHECK (
        operation IN ('register', 'update_contact', 'opt_out', 'deletion_request', 'death_notice')
    ),
    patron_id uuid NOT NULL REFERENCES patrons (patron_id),
    -- Encrypted with the node's outbox key. A registration carries the national ID and the PIN, which the node
    -- must not keep: the payload is erased as soon as the registry has answered.
    payload_ciphertext bytea,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    CHECK (status = 'pending' OR payload_ciphertext IS NULL)
);

CREATE INDEX registry_outbox_pending_idx ON registry_outbox (outbox_id) WHERE status = 'pending';

-- The registry record version the cached copy reflects: corrections from this desk are sent with it as
-- If-Match, so a correction based on stale data is refused instead of overwriting a newer change.
ALTER TABLE patrons ADD COLUMN registry_version integer;
