"""Idempotency keys for library writes: a retry returns the first outcome instead of writing twice."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass

from plumbing.db.types import DbConnection
from plumbing.errors import DomainError, ErrorKind

IDEMPOTENCY_KEY_MAX_LENGTH = 100


@dataclass(frozen=True)
class StoredOutcome:
    patron_id: uuid.UUID | None
    response_status: int


def request_fingerprint(key: bytes, operation: str, body: bytes) -> bytes:
    """A keyed hash of the request, so a reused key with another body is caught without storing the body."""
    return hmac.new(key, operation.encode() + b"\x00" + body, hashlib.sha256).digest()


def check_key(idempotency_key: str | None) -> str:
    if not idempotency_key:
        raise DomainError(
            ErrorKind.PRECONDITION_REQUIRED, "idempotency_key_required", "this write needs an Idempotency-Key header"
        )
    if len(idempotency_key) > IDEMPOTENCY_KEY_MAX_LENGTH or not idempotency_key.isascii():
        raise DomainError(ErrorKind.INVALID, "idempotency_key_invalid", "the Idempotency-Key is too long or not ASCII")
    return idempotency_key


def _key_reused() -> DomainError:
    return DomainError(
        ErrorKind.INVALID, "idempotency_key_reused", "this Idempotency-Key was used for a different request"
    )


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
        raise _key_reused()
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
        raise _key_reused()
