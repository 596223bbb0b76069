-- The outbox of patron notices. A notice is written in the same transaction as the event that causes it,
-- and delivered later; dedupe_key makes enqueueing idempotent (the daily run may repeat), and sent_at is
-- set only after the sender accepted it, so a crash in between resends rather than loses (at least once).
CREATE TABLE notices (
    notice_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dedupe_key text NOT NULL UNIQUE,
    patron_id uuid NOT NULL REFERENCES patrons (patron_id),
    kind text NOT NULL CHECK (kind IN ('pre_due', 'reminder', 'pickup', 'claim', 'receipt')),
    channel text NOT NULL CHECK (channel IN ('letter', 'email', 'sms')),
    payload jsonb NOT NULL,
    created_at timestamptz NOT NULL,
    sent_at timestamptz,
    attempts integer NOT NULL DEFAULT 0,
    last_error text
);

CREATE INDEX notices_unsent ON notices (notice_id) WHERE sent_at IS NULL;

-- One row per day the daily run completed, for operators and for the scheduler's catch-up.
CREATE TABLE daily_runs (
    run_date date PRIMARY KEY,
    finished_at timestamptz NOT NULL,
    report jsonb NOT NULL
);
