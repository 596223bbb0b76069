"""Idempotency keys, one rule for every write that carries one: the registry's node API and node-to-node calls."""

from __future__ import annotations

from plumbing.errors import DomainError, ErrorKind

IDEMPOTENCY_KEY_MAX_LENGTH = 100


def check_key(idempotency_key: str | None) -> str:
    if not idempotency_key:
        raise DomainError(
            ErrorKind.PRECONDITION_REQUIRED, "idempotency_key_required", "this write needs an Idempotency-Key header"
        )
    if len(idempotency_key) > IDEMPOTENCY_KEY_MAX_LENGTH or not idempotency_key.isascii():
        raise DomainError(ErrorKind.INVALID, "idempotency_key_invalid", "the Idempotency-Key is too long or not ASCII")
    return idempotency_key


def key_reused() -> DomainError:
    return DomainError(
        ErrorKind.INVALID, "idempotency_key_reused", "this Idempotency-Key was used for a different request"
    )
