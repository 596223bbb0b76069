-- The libraries allowed to call the node API, and every revoked certificate serial, kept in the registry's
-- database so every registry instance behind a load balancer admits and refuses the same callers.
-- `natreg keys` (which holds the CA key) issues certificates and credentials into the key folder; the key
-- folder's list is imported here (by the command and by any instance that sees the folder change), and a
-- revocation is recorded here by the command line at once. The CRL file is signed from `revoked_certificates`.
CREATE TABLE library_directory (
    library_id text PRIMARY KEY,
    credential_hmac text NOT NULL,
    -- The current client certificate first, then earlier ones still accepted after renewals.
    certificate_serials numeric(50, 0)[] NOT NULL CHECK (cardinality(certificate_serials) >= 1),
    certificate_not_after timestamptz,
    display_names jsonb NOT NULL DEFAULT '{}'::jsonb,
    revoked_at timestamptz
);

-- Library and administrator certificates alike (one CRL for the handshake); never deleted.
CREATE TABLE revoked_certificates (
    serial numeric(50, 0) PRIMARY KEY,
    revoked_at timestamptz NOT NULL DEFAULT now()
);

-- One row: bumped by every change to the two tables above, in the same transaction. Instances compare it
-- a few times a second (works through PgBouncer in transaction mode) and also LISTEN on a direct connection
-- for the same news sooner; either way a change reaches every instance well within a second.
CREATE TABLE library_directory_version (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    version bigint NOT NULL
);
INSERT INTO library_directory_version (version) VALUES (1);

CREATE FUNCTION library_directory_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE library_directory_version SET version = version + 1;
    PERFORM pg_notify('natreg_library_directory', '');
    RETURN NULL;
END;
$$;

-- Row triggers, so a statement that changes nothing (an import finding the list as it was) bumps nothing.
CREATE TRIGGER library_directory_added AFTER INSERT OR DELETE ON library_directory
    FOR EACH ROW EXECUTE FUNCTION library_directory_changed();
CREATE TRIGGER library_directory_updated AFTER UPDATE ON library_directory
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION library_directory_changed();
CREATE TRIGGER revoked_certificates_added AFTER INSERT OR DELETE ON revoked_certificates
    FOR EACH ROW EXECUTE FUNCTION library_directory_changed();
