-- How many lookups of patrons it is not linked to each library made in the current window. One row per
-- library, shared by every registry instance, so a harvester cannot spread its lookups over instances.
-- It holds library ids and counts only: never a searched card number or national ID.
CREATE TABLE unlinked_lookup_windows (
    library_id text PRIMARY KEY,
    window_started_at timestamptz NOT NULL,
    lookups integer NOT NULL CHECK (lookups >= 0)
);
