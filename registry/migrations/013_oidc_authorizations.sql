-- Logins to library services in progress (registry/oidc/): a login waiting for the patron's consent (kind
-- 'consent', keyed by a digest of the handle the consent form carries) and an authorization code (kind 'code',
-- keyed by a digest of the code). Both are short-lived and single-use: redeemed_at is set by the one statement
-- that may use the row, and expired rows are swept as new ones are made. Only digests are stored, so a read of
-- this table yields nothing a browser or a service could use.
CREATE TABLE oidc_authorizations (
    digest bytea PRIMARY KEY CHECK (octet_length(digest) = 32),
    kind text NOT NULL CHECK (kind IN ('consent', 'code')),
    client_id text NOT NULL REFERENCES oidc_clients (client_id) ON DELETE CASCADE,
    patron_id uuid NOT NULL REFERENCES patrons (patron_id) ON DELETE CASCADE,
    redirect_uri text NOT NULL,
    state text,
    nonce text,
    code_challenge text NOT NULL,
    authenticated_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    redeemed_at timestamptz
);

CREATE INDEX oidc_authorizations_expiry_idx ON oidc_authorizations (expires_at);

-- Access tokens for the userinfo endpoint: a digest of each, the code it came from (a replayed code revokes
-- them), and a short life.
CREATE TABLE oidc_access_tokens (
    token_digest bytea PRIMARY KEY CHECK (octet_length(token_digest) = 32),
    code_digest bytea NOT NULL,
    client_id text NOT NULL REFERENCES oidc_clients (client_id) ON DELETE CASCADE,
    patron_id uuid NOT NULL REFERENCES patrons (patron_id) ON DELETE CASCADE,
    expires_at timestamptz NOT NULL
);

CREATE INDEX oidc_access_tokens_code_idx ON oidc_access_tokens (code_digest);
CREATE INDEX oidc_access_tokens_expiry_idx ON oidc_access_tokens (expires_at);
