-- Staff accounts of this node and their login tokens. Passwords are Argon2id hashes; tokens are stored
-- only as SHA-256 of 32 random bytes (a keyed hash adds nothing for values that cannot be guessed).
CREATE TABLE staff_accounts (
    username text PRIMARY KEY CHECK (username ~ '^[a-z][a-z0-9._-]{1,63}$'),
    password_hash text NOT NULL,
    role text NOT NULL CHECK (role IN ('desk', 'admin')),
    active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE staff_tokens (
    token_hash bytea PRIMARY KEY,
    username text NOT NULL REFERENCES staff_accounts (username) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
