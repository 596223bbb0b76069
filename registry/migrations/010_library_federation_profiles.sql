-- Each library's federation profile: where its node answers other nodes (its peer listener), whether it
-- takes interlibrary requests, and its pickup rules. Keyed by library id; the library list itself (credentials,
-- certificates, revocation) is kept elsewhere and joined by id when the directory is served.
CREATE TABLE library_federation_profiles (
    library_id text PRIMARY KEY,
    node_url text NOT NULL,
    offers_interlibrary_requests boolean NOT NULL DEFAULT false,
    pickup_rules jsonb NOT NULL DEFAULT '{}'::jsonb,
    updated_at timestamptz NOT NULL DEFAULT now()
);
