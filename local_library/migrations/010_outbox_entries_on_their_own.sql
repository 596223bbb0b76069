-- Each outbox entry is delivered on its own: an entry that cannot succeed waits for staff ('needs_staff', with
-- its code in last_error) instead of failing for good or blocking the others; staff retry or discard it.
-- Its payload is kept for a retry (for at most the configured age when it holds a national ID or a PIN).
ALTER TABLE registry_outbox DROP CONSTRAINT registry_outbox_status_check;
ALTER TABLE registry_outbox DROP CONSTRAINT registry_outbox_check;
UPDATE registry_outbox SET status = 'needs_staff' WHERE status = 'failed';
ALTER TABLE registry_outbox ADD CONSTRAINT registry_outbox_status_check
    CHECK (status IN ('pending', 'delivered', 'needs_staff', 'discarded'));
ALTER TABLE registry_outbox ADD CONSTRAINT registry_outbox_payload_only_while_open
    CHECK (status IN ('pending', 'needs_staff') OR payload_ciphertext IS NULL);

-- A registration of someone already linked here is folded into the existing local patron: the entry then
-- belongs to that patron and remembers the duplicate record it came from (so the desk can be told).
ALTER TABLE registry_outbox ADD COLUMN folded_from uuid;
CREATE INDEX registry_outbox_folded_from_idx ON registry_outbox (folded_from) WHERE folded_from IS NOT NULL;

-- Per-patron order: an entry waits while an earlier one of the same patron is still open.
CREATE INDEX registry_outbox_open_by_patron_idx ON registry_outbox (patron_id, outbox_id)
    WHERE status IN ('pending', 'needs_staff');
