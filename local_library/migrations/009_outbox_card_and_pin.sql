-- National patrons' lost cards and new PINs also go to the registry, through the outbox.
ALTER TABLE registry_outbox DROP CONSTRAINT registry_outbox_operation_check;
ALTER TABLE registry_outbox ADD CONSTRAINT registry_outbox_operation_check CHECK (
    operation IN ('register', 'update_contact', 'opt_out', 'deletion_request', 'death_notice', 'lost_card', 'change_pin')
);
