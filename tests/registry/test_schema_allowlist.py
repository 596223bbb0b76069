"""The registry database holds exactly the permitted fields (BRIEF §2.1) and the technical columns they need.

Adding a table or a column makes this test fail on purpose: a new field in the national register is a legal
question first (``registry_contract/permitted_fields.py``) and a migration second.
"""

from __future__ import annotations

import asyncpg

from registry_contract.permitted_fields import allowed_patron_columns

TIMESTAMP = "timestamp with time zone"

ALLOWED_SCHEMA: dict[str, dict[str, str]] = {
    # The patron records (patrons, patron_libraries, replaced_cards): the permitted fields and the technical
    # columns beside them, as declared once in registry_contract.permitted_fields.
    **allowed_patron_columns(),
    "schema_migrations": {"version": "integer", "name": "text", "checksum": "text", "applied_at": TIMESTAMP},
    "audit_log": {
        "sequence_number": "bigint",
        "occurred_at": TIMESTAMP,
        "actor": "text",
        "library_id": "text",
        "operation": "text",
        "purpose": "text",
        "patron_id": "uuid",
        "previous_hash": "bytea",
        "entry_hash": "bytea",
    },
    # Accesses recorded but not yet chained into audit_log (the sealer moves them, moments later).
    "audit_pending": {
        "entry_id": "bigint",
        "transaction_id": "bigint",
        "occurred_at": TIMESTAMP,
        "actor": "text",
        "library_id": "text",
        "operation": "text",
        "purpose": "text",
        "patron_id": "uuid",
    },
    "patron_sessions": {
        "session_digest": "bytea",
        "patron_id": "uuid",
        "issued_at": TIMESTAMP,
        "last_seen_at": TIMESTAMP,
    },
    # Per-library counts of lookups of patrons not linked to the library (the harvest limit): no personal data.
    "unlinked_lookup_windows": {"library_id": "text", "window_started_at": TIMESTAMP, "lookups": "integer"},
    # When each library last authenticated, for the administrators' desk: no personal data.
    "library_last_seen": {"library_id": "text", "last_seen_at": TIMESTAMP},
    # The libraries allowed to call and every revoked certificate (issue 15): no personal data.
    "library_directory": {
        "library_id": "text",
        "credential_hmac": "text",
        "certificate_serials": "ARRAY",
        "certificate_not_after": TIMESTAMP,
        "display_names": "jsonb",
        "revoked_at": TIMESTAMP,
    },
    "revoked_certificates": {"serial": "numeric", "revoked_at": TIMESTAMP},
    "library_directory_version": {"singleton": "boolean", "version": "bigint"},
    # Online failures on card numbers that name no card, keyed by an HMAC of the number (never the number).
    "unknown_card_failures": {"card_key": "bytea", "failed_attempts": "integer", "last_failed_at": TIMESTAMP},
    "idempotent_requests": {
        "library_id": "text",
        "idempotency_key": "text",
        "request_fingerprint": "bytea",
        "operation": "text",
        "patron_id": "uuid",
        "response_status": "integer",
        "created_at": TIMESTAMP,
    },
    "change_feed": {
        "sequence_number": "bigint",
        "transaction_id": "bigint",
        "library_id": "text",
        "patron_id": "uuid",
        "change": "text",
        "patron_version": "integer",
        "occurred_at": TIMESTAMP,
    },
    "erasure_requests": {
        "request_id": "uuid",
        "patron_id": "uuid",
        "kind": "text",
        "filed_by_library": "text",
        "filed_via": "text",
        "status": "text",
        "filed_at": TIMESTAMP,
        "decided_at": TIMESTAMP,
        "decided_by": "text",
        # 003: the administrator's reason for a decision (at most 500 characters), not patron data.
        "decision_note": "text",
    },
    "erasure_ledger": {"patron_id": "uuid", "reason": "text", "erased_at": TIMESTAMP},
    # The library-service login (registry/oidc, issue 14): registered services (no patron data), what each patron
    # agreed to give each service and when they last logged in, logins in progress and access tokens (digests
    # and references only: no field of the record is copied; claims are computed from the record when given).
    "oidc_clients": {
        "client_id": "text", "name_nb": "text", "name_en": "text", "redirect_uris": "ARRAY", "claims": "ARRAY",
        "secret_digest": "bytea", "created_at": TIMESTAMP, "disabled_at": TIMESTAMP,
    },
    "oidc_consents": {
        "patron_id": "uuid", "client_id": "text", "claims": "ARRAY", "granted_at": TIMESTAMP,
        "last_login_at": TIMESTAMP, "logins": "integer",
    },
    "oidc_authorizations": {
        "digest": "bytea", "kind": "text", "client_id": "text", "patron_id": "uuid", "redirect_uri": "text",
        "state": "text", "nonce": "text", "code_challenge": "text", "authenticated_at": TIMESTAMP,
        "expires_at": TIMESTAMP, "redeemed_at": TIMESTAMP,
    },
    "oidc_access_tokens": {
        "token_digest": "bytea", "code_digest": "bytea", "client_id": "text", "patron_id": "uuid",
        "expires_at": TIMESTAMP,
    },
    # 010: each library's federation profile (issue 13): where its node answers other nodes, what it offers.
    "library_federation_profiles": {
        "library_id": "text", "node_url": "text", "offers_interlibrary_requests": "boolean", "pickup_rules": "jsonb",
        "updated_at": TIMESTAMP,
    },
    # 014: the population register job's position in the event feed and the backfill's progress: no personal data.
    "population_feed_position": {
        "singleton": "boolean",
        "last_sequence_number": "bigint",
        "etag": "text",
        "updated_at": TIMESTAMP,
    },
    "population_backfill_progress": {
        "singleton": "boolean",
        "last_patron_id": "uuid",
        "checked": "bigint",
        "started_at": TIMESTAMP,
        "finished_at": TIMESTAMP,
    },
}  # fmt: skip


async def test_tables_and_columns_are_exactly_the_allowlist(registry_database_url: str) -> None:
    connection = await asyncpg.connect(registry_database_url)
    try:
        rows = await connection.fetch(
            """
            SELECT c.table_name, c.column_name, c.data_type
            FROM information_schema.columns c
            JOIN information_schema.tables t USING (table_schema, table_name)
            WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
            """
        )
        views = await connection.fetchval("SELECT count(*) FROM information_schema.views WHERE table_schema = 'public'")
    finally:
        await connection.close()
    actual: dict[str, dict[str, str]] = {}
    for row in rows:
        actual.setdefault(row["table_name"], {})[row["column_name"]] = row["data_type"]
    assert actual == ALLOWED_SCHEMA
    assert views == 0
