-- Online PIN failures on card numbers with nothing to count them on (unknown, replaced, without PIN), which
-- are throttled like a real card's so throttling does not tell them apart. Kept in the database, not in
-- each instance's memory: behind a load balancer N instances would otherwise allow N times the tries before
-- throttling an unknown number, and that difference alone would tell a prober the number is not a card.
-- The key is an HMAC of the card number (never the number); rows older than a day are pruned as new ones
-- are written (the longest online wait is a day, so an older row decides nothing a fresh start would not).
CREATE TABLE unknown_card_failures (
    card_key bytea PRIMARY KEY,
    failed_attempts integer NOT NULL CHECK (failed_attempts > 0),
    last_failed_at timestamptz NOT NULL
);
CREATE INDEX unknown_card_failures_by_age ON unknown_card_failures (last_failed_at);
