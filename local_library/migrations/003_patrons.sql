-- The node's patrons. National patrons are linked to the registry by registry_patron_id and cache their
-- national card number; the national ID itself is never stored here (there is deliberately no column).
-- Local and institution patrons get card numbers from this library's own series: "L" + a sequence number,
-- which can never collide with a national number (ten digits).
CREATE SEQUENCE local_card_serial START 1;

CREATE TABLE patrons (
    patron_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind text NOT NULL CHECK (kind IN ('national', 'local', 'institution')),
    registry_patron_id uuid UNIQUE,
    card_number text UNIQUE,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    birth_date date,
    responsible_person text,
    guardian_name text,
    guardian_contact text,
    email text,
    phone text,
    postal_address text,
    preferred_contact text NOT NULL CHECK (preferred_contact IN ('letter', 'email', 'sms')),
    pre_due_notice boolean NOT NULL DEFAULT false,
    pin_hash text,
    failed_pin_attempts integer NOT NULL DEFAULT 0,
    pin_locked_until timestamptz,
    blocked boolean NOT NULL DEFAULT false,
    blocked_reason text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (registry_patron_id IS NULL OR kind = 'national'),
    CHECK (kind = 'national' OR card_number LIKE 'L%'),
    CHECK (kind <> 'institution' OR responsible_person IS NOT NULL),
    CHECK (kind = 'institution' OR birth_date IS NOT NULL),
    CHECK (blocked = (blocked_reason IS NOT NULL))
);

-- Card numbers a patron held before reporting the card lost: kept so the desk can tell "this card was
-- replaced" from "no such card", and so a number is never issued twice.
CREATE TABLE retired_cards (
    card_number text PRIMARY KEY,
    patron_id uuid NOT NULL REFERENCES patrons (patron_id),
    retired_at timestamptz NOT NULL
);
