-- Messages this node owes other library nodes about interlibrary requests, queued in the transaction of the
-- state change that causes them and delivered with their idempotency key (local_library/interlibrary/outbox.py):
-- a library that is down gets them, in order per request, when it is back. They carry no patron data.
CREATE TABLE interlibrary_outbox (
    outbox_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    idempotency_key uuid NOT NULL UNIQUE,
    peer_library text NOT NULL CHECK (peer_library ~ '^[a-z][a-z0-9-]{0,62}$'),
    operation text NOT NULL CHECK (
        operation IN (
            'request_item', 'cancel_request', 'item_received', 'item_shipped_back',
            'item_shipped', 'request_cancelled', 'item_received_back'
        )
    ),
    request_id uuid NOT NULL,
    payload jsonb NOT NULL,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'needs_staff', 'discarded')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    last_error text,
    created_at timestamptz NOT NULL,
    finished_at timestamptz
);

CREATE INDEX interlibrary_outbox_pending ON interlibrary_outbox (outbox_id) WHERE status = 'pending';
-- Per-request order: a message waits while an earlier one about the same request is still open.
CREATE INDEX interlibrary_outbox_open_by_request ON interlibrary_outbox (request_id, outbox_id)
    WHERE status IN ('pending', 'needs_staff');
