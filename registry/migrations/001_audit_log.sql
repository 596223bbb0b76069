-- The audit log: who read or wrote which patron record, when and why.
-- Append-only and hash-chained: each entry's HMAC covers the previous entry's, so editing or deleting
-- any row breaks the chain from there on (`natreg registry audit verify` names the first broken link).
-- It holds patron UUIDs only, never national IDs, PINs or secrets.
CREATE TABLE audit_log (
    sequence_number bigint PRIMARY KEY,
    occurred_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor text NOT NULL,
    library_id text,
    operation text NOT NULL,
    purpose text NOT NULL,
    patron_id uuid,
    previous_hash bytea NOT NULL,
    entry_hash bytea NOT NULL
);

CREATE INDEX audit_log_patron_idx ON audit_log (patron_id, sequence_number) WHERE patron_id IS NOT NULL;

-- Refuses every change to existing rows. Even the table owner is stopped; only a superuser who disables
-- the trigger can tamper, and the hash chain then shows it.
CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_log_no_update_or_delete
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();

CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();
