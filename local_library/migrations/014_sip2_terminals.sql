-- SIP2 terminal accounts (self-service machines, door panels): each logs in with its own name and password
-- (message 93), stored only as an Argon2id hash. Encoding and line end follow what the machine speaks; the
-- hidden fields are never sent to it; networks limit where it may connect from (empty: anywhere).
CREATE TABLE sip2_terminals (
    name text PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9._-]{1,64}$'),
    password_hash text NOT NULL,
    encoding text NOT NULL DEFAULT 'cp850' CHECK (encoding IN ('cp850', 'utf-8')),
    crlf boolean NOT NULL DEFAULT false,
    institution_id text NOT NULL,
    hidden_fields text[] NOT NULL DEFAULT ARRAY['BD', 'BE', 'BF', 'PB'],
    networks cidr[] NOT NULL DEFAULT '{}',
    door boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
);
