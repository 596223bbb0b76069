-- The library's items. The material type must be one of the library's policy; that is checked by the
-- code at import time, since the policy lives in a file, not in the database.
CREATE TABLE items (
    item_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    barcode text NOT NULL UNIQUE CHECK (barcode ~ '^[A-Za-z0-9-]{1,64}$'),
    title text NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
    material text NOT NULL CHECK (material ~ '^[a-z][a-z0-9_]*$'),
    audience text NOT NULL CHECK (audience IN ('adult', 'child')),
    purchase_price_ore integer CHECK (purchase_price_ore >= 0),
    created_at timestamptz NOT NULL DEFAULT now()
);
