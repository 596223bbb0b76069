-- An approved request must stay on record after the patron it concerned is erased. It holds only the
-- patron's UUID, the kind and the times, so keeping it keeps nothing personal.
ALTER TABLE erasure_requests DROP CONSTRAINT erasure_requests_patron_id_fkey;
ALTER TABLE erasure_requests ADD COLUMN decision_note text CHECK (length(decision_note) <= 500);
