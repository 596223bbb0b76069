-- Messages this node has applied from other library nodes, by the sender's idempotency key: a message sent
-- again (a retry after a lost answer, a sender restarted mid-way) gets the first answer and changes nothing.
-- Rows name a request, never a patron; they are kept as long as the requests' own trail (see anonymisation).
CREATE TABLE interlibrary_inbox (
    peer_library text NOT NULL,
    idempotency_key uuid NOT NULL,
    operation text NOT NULL,
    request_id uuid NOT NULL,
    answer jsonb NOT NULL,
    received_at timestamptz NOT NULL,
    PRIMARY KEY (peer_library, idempotency_key)
);
CREATE INDEX interlibrary_inbox_received ON interlibrary_inbox (received_at);
