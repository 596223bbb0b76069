"""Idempotency keys for library writes: a retry returns the first outcome instead of writing twice."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass

from plumbing.db.types import DbConnection
from registry_contract.idempotency import check_key, key_reused

__all__ = ["StoredOutcome", "check_key", "find_outcome", "request_fingerprint", "store_outcome"]


@dataclass(frozen=True)
class StoredOutcome:
    patron_id: uuid.UUID | None
    response_status: int


def request_fingerprint(key: bytes, operation: str, body: bytes) -> bytes:
    """A keyed hash of the request, so a reused key with another body is caught without storing the body."""
    return hmac.new(key, operation.encode() + b"\x00" + body, hashlib.sha256).digest()


async def find_outcome(
    connection: DbConnection, library_id: str, idempotency_key: str, operation: str, fingerprint: bytes
) -> StoredOutcome | None:
    row = await connection.fetchrow(
        """
        SELECT operation, request_fingerprint, patron_id, response_status FROM idempotent_requests
        WHERE library_id = $1 AND idempotency_key = $2
        """,
        library_id,
        idempotency_key,
    )
    if row is None:
        return None
    if row["operation"] != operation or not hmac.compare_digest(bytes(row["request_fingerprint"]), fingerprint):
        raise key_reused()
    return StoredOutcome(patron_id=row["patron_id"], response_status=row["response_status"])


async def store_outcome(
    connection: DbConnection,
    *,
    library_id: str,
    idempotency_key: str,
    operation: str,
    fingerprint: bytes,
    outcome: StoredOutcome,
) -> None:
    # A concurrent request with the same key (and another body) may have stored its outcome first: refuse
    # this one (its transaction rolls back) instead of failing with a unique violation.
    stored = await connection.fetchval(
        """
        INSERT INTO idempotent_requests
            (library_id, idempotency_key, request_fingerprint, operation, patron_id, response_status)
        VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (library_id, idempotency_key) DO NOTHING
        RETURNING true
        """,
        library_id,
        idempotency_key,
        fingerprint,
        operation,
        outcome.patron_id,
        outcome.response_status,
    )
    if not stored:
        raise key_reused()
