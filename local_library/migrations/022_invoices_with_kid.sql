-- Replacement invoices with a KID payment reference, the payments made against them, and their credit.
-- One invoice per patron per day of claims: every replacement claimed that day (and, where the library adds
-- accrued fees, the loans' open reminder fees) is on it, so the patron pays once and, having returned some
-- items, pays only for the rest with the same KID.

CREATE SEQUENCE invoice_numbers AS bigint MINVALUE 1 MAXVALUE 99999999 NO CYCLE;

CREATE TABLE invoices (
    invoice_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    invoice_number bigint NOT NULL UNIQUE CHECK (invoice_number BETWEEN 1 AND 99999999),
    kid text NOT NULL UNIQUE CHECK (kid ~ '^[0-9]{13}$'),
    -- Erasing a patron (erase_local_patron) removes their fees first, then the patron, and with it these.
    patron_id uuid NOT NULL REFERENCES patrons (patron_id) ON DELETE CASCADE,
    issued_on date NOT NULL,
    UNIQUE (patron_id, issued_on)
);

ALTER TABLE fees ADD COLUMN invoice_id bigint REFERENCES invoices (invoice_id);
CREATE INDEX fees_by_invoice ON fees (invoice_id) WHERE invoice_id IS NOT NULL;

-- A payment is recorded once: the bank's reference for it (the OCR file's archive reference, or the desk's
-- receipt number) is unique, so a file read twice or a request sent again records nothing new.
CREATE TABLE invoice_payments (
    payment_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    invoice_id bigint NOT NULL REFERENCES invoices (invoice_id) ON DELETE CASCADE,
    payment_reference text NOT NULL UNIQUE,
    amount_ore integer NOT NULL CHECK (amount_ore > 0),
    paid_on date NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX invoice_payments_by_invoice ON invoice_payments (invoice_id);
