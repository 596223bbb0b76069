-- Following the national population register (Folkeregisteret): where the first postal address comes from,
-- the job's position in the register's event feed, and the backfill's progress. None of it is personal data
-- beyond the address's source; events about people who are not patrons are never stored.

-- 'library': addresses as libraries gave them. 'population_register': the first address is the registered
-- one (libraries cannot overwrite it; the second is the patron's temporary address). 'protected': the register
-- protects the address (fortrolig / strengt fortrolig), so the registry keeps none and libraries see none.
ALTER TABLE patrons ADD COLUMN address_source text NOT NULL DEFAULT 'library'
    CHECK (address_source IN ('library', 'population_register', 'protected'));

-- One row: the last event sequence number applied (written in the transaction that applied it, so a crash
-- neither skips nor repeats an event) and the ETag of the last page read (for If-None-Match).
CREATE TABLE population_feed_position (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    last_sequence_number bigint NOT NULL DEFAULT 0 CHECK (last_sequence_number >= 0),
    etag text,
    updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO population_feed_position DEFAULT VALUES;

-- One row: how far `natreg registry population backfill` got (patrons are walked in patron_id order).
CREATE TABLE population_backfill_progress (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    last_patron_id uuid,
    checked bigint NOT NULL DEFAULT 0,
    started_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);
