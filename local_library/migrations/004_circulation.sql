-- Loans, reservations and fees: the private matters between a patron and this library, never sent to
-- the registry.
CREATE TABLE loans (
    loan_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id bigint NOT NULL REFERENCES items (item_id),
    patron_id uuid NOT NULL REFERENCES patrons (patron_id),
    checked_out_on date NOT NULL,
    due_on date NOT NULL,
    renewals integer NOT NULL DEFAULT 0 CHECK (renewals >= 0),
    reminders_sent integer NOT NULL DEFAULT 0 CHECK (reminders_sent >= 0),
    last_reminder_on date,
    claimed_on date,
    returned_on date
);

-- The last line of defence against two desks lending one item at once: at most one open loan per item.
CREATE UNIQUE INDEX loans_one_open_per_item ON loans (item_id) WHERE returned_on IS NULL;
CREATE INDEX loans_open_by_patron ON loans (patron_id) WHERE returned_on IS NULL;
CREATE INDEX loans_open_by_due ON loans (due_on) WHERE returned_on IS NULL;

CREATE TABLE reservations (
    reservation_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id bigint NOT NULL REFERENCES items (item_id),
    patron_id uuid NOT NULL REFERENCES patrons (patron_id),
    placed_at timestamptz NOT NULL,
    status text NOT NULL CHECK (status IN ('waiting', 'ready', 'collected', 'expired', 'cancelled')),
    ready_on date,
    pickup_deadline date,
    reference_number text UNIQUE,
    closed_on date,
    CHECK (status <> 'ready' OR (ready_on IS NOT NULL AND pickup_deadline IS NOT NULL))
);

CREATE UNIQUE INDEX reservations_one_open_per_patron_item ON reservations (item_id, patron_id)
    WHERE status IN ('waiting', 'ready');
-- An item is held for one patron at a time.
CREATE UNIQUE INDEX reservations_one_ready_per_item ON reservations (item_id) WHERE status = 'ready';
CREATE INDEX reservations_queue ON reservations (item_id, placed_at, reservation_id) WHERE status = 'waiting';

CREATE SEQUENCE pickup_reference_serial START 1001;

-- Money the patron owes. A reminder fee is charged once per loan and reminder number, a replacement once
-- per loan: the unique indexes make the daily run safe to repeat.
CREATE TABLE fees (
    fee_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    patron_id uuid NOT NULL REFERENCES patrons (patron_id),
    loan_id bigint REFERENCES loans (loan_id),
    kind text NOT NULL CHECK (kind IN ('reminder', 'replacement', 'new_card')),
    reminder_number integer,
    amount_ore integer NOT NULL CHECK (amount_ore >= 0),
    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'paid', 'waived', 'refunded')),
    charged_on date NOT NULL,
    CHECK ((kind = 'reminder') = (reminder_number IS NOT NULL)),
    CHECK (kind = 'new_card' OR loan_id IS NOT NULL)
);

CREATE UNIQUE INDEX fees_one_per_reminder ON fees (loan_id, reminder_number) WHERE kind = 'reminder';
CREATE UNIQUE INDEX fees_one_replacement_per_loan ON fees (loan_id) WHERE kind = 'replacement';
CREATE INDEX fees_by_patron ON fees (patron_id);
