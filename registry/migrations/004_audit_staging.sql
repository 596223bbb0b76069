-- Accesses are first written to audit_pending, in the transaction of the access itself and without any lock;
-- one sealer then moves them into the hash chain (audit_log) in commit order, moments later. Chaining inside
-- each request made every audited request in the registry wait for one lock held across its commit.
CREATE TABLE audit_pending (
    entry_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transaction_id bigint NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    occurred_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor text NOT NULL,
    library_id text,
    operation text NOT NULL,
    purpose text NOT NULL,
    patron_id uuid
);

CREATE INDEX audit_pending_order_idx ON audit_pending (transaction_id, entry_id);
CREATE INDEX audit_pending_patron_idx ON audit_pending (patron_id) WHERE patron_id IS NOT NULL;

-- Pending entries cannot be changed, and only the sealer (which announces itself for its own transaction)
-- removes them, in the same transaction that adds them to the chain.
CREATE FUNCTION audit_pending_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('natreg.audit_sealer', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_pending is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_pending_guard
    BEFORE UPDATE OR DELETE ON audit_pending
    FOR EACH ROW EXECUTE FUNCTION audit_pending_guard();

CREATE TRIGGER audit_pending_no_truncate
    BEFORE TRUNCATE ON audit_pending
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();
