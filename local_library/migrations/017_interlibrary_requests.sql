-- Interlibrary requests (local_library/interlibrary/): a patron here orders a copy another library owns, to
-- pick up here. Each node keeps its own side of a request, under one request id made by the borrowing
-- (pickup) library and used by both: the two sides move through the NNCIPP states by messages between
-- the nodes (local_library/interlibrary/states.py names the states and which moves are allowed).

-- Author and ISBN make the catalogue searchable the way patrons search (title, author, ISBN, barcode).
ALTER TABLE items ADD COLUMN author text CHECK (author IS NULL OR length(author) BETWEEN 1 AND 300);
ALTER TABLE items ADD COLUMN isbn text CHECK (isbn IS NULL OR isbn ~ '^([0-9]{9}[0-9X]|[0-9]{13})$');
CREATE INDEX items_isbn_idx ON items (isbn) WHERE isbn IS NOT NULL;

-- The borrowing side: requests this library placed for its patrons. The patron is forgotten (patron_id
-- NULL, anonymised_at set) within 72 hours of the request's end, as Norway's national system does.
CREATE TABLE interlibrary_borrowing (
    request_id uuid PRIMARY KEY,
    patron_id uuid REFERENCES patrons (patron_id),
    owner_library text NOT NULL CHECK (owner_library ~ '^[a-z][a-z0-9-]{0,62}$'),
    owner_barcode text NOT NULL CHECK (owner_barcode ~ '^[A-Za-z0-9-]{1,64}$'),
    title text NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
    author text CHECK (author IS NULL OR length(author) BETWEEN 1 AND 300),
    state text NOT NULL CHECK (
        state IN ('requested', 'shipped', 'received', 'lent', 'returned', 'shipped_back', 'completed', 'cancelled')
    ),
    requested_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    -- When the owner wants its copy back (set when it ships, moved by renewals the owner grants).
    owner_due_on date,
    -- The patron's loan: lent_on and the due date (the owner's), renewals granted by the owner.
    lent_on date,
    renewals integer NOT NULL DEFAULT 0 CHECK (renewals >= 0),
    -- Reminders sent to the patron for an overdue loan, by this library's reminder schedule.
    reminders_sent integer NOT NULL DEFAULT 0 CHECK (reminders_sent >= 0),
    -- The pickup shelf, under this library's reservation rules.
    pickup_deadline date,
    reference_number text UNIQUE,
    cancelled_by text CHECK (cancelled_by IN ('patron', 'staff', 'owner')),
    cancel_reason text CHECK (cancel_reason IS NULL OR cancel_reason ~ '^[a-z_]{1,64}$'),
    finished_at timestamptz,
    anonymised_at timestamptz,
    CHECK ((state IN ('completed', 'cancelled')) = (finished_at IS NOT NULL)),
    CHECK (anonymised_at IS NULL OR patron_id IS NULL),
    CHECK (anonymised_at IS NOT NULL OR patron_id IS NOT NULL)
);

-- One open request per patron and copy: a double click orders once.
CREATE UNIQUE INDEX interlibrary_borrowing_one_open_per_copy
    ON interlibrary_borrowing (patron_id, owner_library, owner_barcode)
    WHERE state NOT IN ('completed', 'cancelled');
CREATE INDEX interlibrary_borrowing_by_patron ON interlibrary_borrowing (patron_id, requested_at);
CREATE INDEX interlibrary_borrowing_open ON interlibrary_borrowing (state, requested_at)
    WHERE state NOT IN ('completed', 'cancelled');
CREATE INDEX interlibrary_borrowing_to_anonymise ON interlibrary_borrowing (finished_at)
    WHERE anonymised_at IS NULL AND finished_at IS NOT NULL;

-- The lending side: this library's copies requested by other libraries. It holds no patron: the borrowing
-- library borrows the copy (as in NNCIPP) and answers for it. While a request is open the copy is on loan
-- to it: the index below and the check at checkout (circulation.lending) keep it from being lent twice.
CREATE TABLE interlibrary_lending (
    request_id uuid PRIMARY KEY,
    borrower_library text NOT NULL CHECK (borrower_library ~ '^[a-z][a-z0-9-]{0,62}$'),
    item_id bigint NOT NULL REFERENCES items (item_id),
    state text NOT NULL CHECK (state IN ('requested', 'shipped', 'received', 'shipped_back', 'completed', 'cancelled')),
    requested_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    due_on date,
    renewals integer NOT NULL DEFAULT 0 CHECK (renewals >= 0),
    cancelled_by text CHECK (cancelled_by IN ('borrower', 'staff')),
    cancel_reason text CHECK (cancel_reason IS NULL OR cancel_reason ~ '^[a-z_]{1,64}$'),
    finished_at timestamptz,
    CHECK ((state IN ('completed', 'cancelled')) = (finished_at IS NOT NULL)),
    CHECK (state IN ('requested', 'cancelled') OR due_on IS NOT NULL)
);

CREATE UNIQUE INDEX interlibrary_lending_one_open_per_item ON interlibrary_lending (item_id)
    WHERE state NOT IN ('completed', 'cancelled');
CREATE INDEX interlibrary_lending_open ON interlibrary_lending (state, requested_at)
    WHERE state NOT IN ('completed', 'cancelled');
