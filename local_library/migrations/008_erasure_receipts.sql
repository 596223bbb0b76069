-- Receipts telling a patron that their national record was erased, sent by this library (the patron asked
-- here or elsewhere; every linked library hears of it). The node's copy of the patron may be erased in the
-- same step, so a receipt carries its own recipient details, and only until it has been sent.
CREATE TABLE erasure_receipts (
    receipt_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    registry_patron_id uuid NOT NULL UNIQUE,
    channel text NOT NULL CHECK (channel IN ('letter', 'email', 'sms')),
    recipient jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
