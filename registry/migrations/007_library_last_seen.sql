-- When each library last authenticated at the node API, for the administrators' desk. Each registry
-- instance writes a library's row at most once a minute, so a busy library costs one small write a minute.
CREATE TABLE library_last_seen (
    library_id text PRIMARY KEY,
    last_seen_at timestamptz NOT NULL
);
