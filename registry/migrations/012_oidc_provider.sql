-- The registry as an OpenID Connect provider for library services (e-books, film): patrons log in with the
-- national card number and PIN (registry/oidc/). No patron data is copied here: claims are computed from the
-- patron record when a code is redeemed, and rows go with the patron (ON DELETE CASCADE) when it is erased.

-- Services registered by an administrator (`natreg registry services add`). A confidential service keeps a
-- secret of which only a SHA-256 digest is stored (the secret is 256 random bits, shown once); a public one
-- (an app on the patron's device) has none and relies on PKCE alone.
CREATE TABLE oidc_clients (
    client_id text PRIMARY KEY CHECK (client_id ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    name_nb text NOT NULL CHECK (length(name_nb) BETWEEN 1 AND 100),
    name_en text NOT NULL CHECK (length(name_en) BETWEEN 1 AND 100),
    redirect_uris text[] NOT NULL CHECK (cardinality(redirect_uris) >= 1),
    claims text[] NOT NULL,
    secret_digest bytea CHECK (secret_digest IS NULL OR octet_length(secret_digest) = 32),
    created_at timestamptz NOT NULL,
    disabled_at timestamptz
);

-- What the patron agreed to give each service (asked again when the service's claims grow), and when they
-- last logged in to it (for the insight page).
CREATE TABLE oidc_consents (
    patron_id uuid NOT NULL REFERENCES patrons (patron_id) ON DELETE CASCADE,
    client_id text NOT NULL REFERENCES oidc_clients (client_id) ON DELETE CASCADE,
    claims text[] NOT NULL,
    granted_at timestamptz NOT NULL,
    last_login_at timestamptz,
    logins integer NOT NULL DEFAULT 0,
    PRIMARY KEY (patron_id, client_id)
);
