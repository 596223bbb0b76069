-- Change-feed entries this node could not apply: the registry's record broke the contract (a control
-- character, say) or the node's database refused it. Each is recorded here and skipped, so one bad record
-- never stops the feed; staff see them at GET /api/staff/registry-feed/skipped and can ask the registry's
-- operator to correct the record. Only ids and codes are kept, never the record's contents.
CREATE TABLE registry_feed_skipped (
    skipped_id bigserial PRIMARY KEY,
    registry_patron_id uuid NOT NULL,
    change text NOT NULL,
    patron_version integer,
    code text NOT NULL,
    sqlstate text,
    skipped_at timestamptz NOT NULL DEFAULT now()
);
