-- Where this node is in the registry's change feed. The cursor is issued by the registry and stored only
-- after the changes it covers were applied, so a crash replays changes instead of skipping them.
CREATE TABLE registry_feed_position (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    cursor text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
