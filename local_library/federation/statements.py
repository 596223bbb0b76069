"""Checking a patron statement another library presents (the rules: ``registry_contract.statements``).

A statement is accepted only if the registry signed it (a key from its published set, refetched once when a
statement names a key this node has not seen, so a rotation is followed at once), it was issued for this
library (``aud``), by the registry (``iss``), to the library that presents it (``azp``: a statement cannot be
passed on), it is within its minute (with a few seconds' leeway between clocks) and it grants the scope the
endpoint needs. Each refusal has its own code; none says more about the patron.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import datetime as dt
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from local_library.registry_link.errors import as_domain_error
from plumbing.errors import DomainError, ErrorKind
from plumbing.keys.signing import SignedTokenError, read_signed_token
from registry_contract.client import RegistryError, RegistryUnavailableError
from registry_contract.statements import (
    STATEMENT_CLOCK_LEEWAY,
    STATEMENT_ISSUER,
    STATEMENT_LIFETIME,
    STATEMENT_TYPE,
    PublishedKeys,
    StatementScope,
)

KeySource = Callable[[], Awaitable[PublishedKeys]]
# A statement naming a key not seen yet makes the node read the published keys again (a rotation), at most this
# often: callers are authenticated libraries, but a stream of made-up key ids must not become a stream of reads.
KEY_REFETCH_PAUSE_SECONDS = 1.0
KEYS_UNAVAILABLE = "the registry's statement keys cannot be read now; try again"


@dataclass(frozen=True)
class VerifiedStatement:
    patron_id: uuid.UUID
    """The patron's registry UUID: the only patron the call may concern."""
    authenticated_at: str
    scopes: frozenset[str]
    statement_id: str
    expires_at: dt.datetime


def statement_refused(kind: ErrorKind, code: str, message: str) -> DomainError:
    return DomainError(kind, code, message)


def _invalid() -> DomainError:
    return statement_refused(
        ErrorKind.UNAUTHENTICATED, "statement_invalid", "the statement is not one the registry signed"
    )


def _unverified_header(token: str) -> dict[str, Any]:
    try:
        encoded = token.split(".", maxsplit=1)[0]
        header = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    except (ValueError, binascii.Error, IndexError):
        raise _invalid() from None
    if not isinstance(header, dict):
        raise _invalid()
    return header


class StatementVerifier:
    def __init__(
        self,
        library_id: str,
        key_source: KeySource,
        *,
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        monotonic: Callable[[], float] = time.monotonic,
        refetch_pause_seconds: float = KEY_REFETCH_PAUSE_SECONDS,
    ) -> None:
        self._library_id = library_id
        self._refetch_pause = refetch_pause_seconds
        self._key_source = key_source
        self._now = now
        self._monotonic = monotonic
        self._keys: dict[str, Any] | None = None
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()

    async def _published_keys(self, kid: object) -> dict[str, Any]:
        known = self._keys is not None and any(key.get("kid") == kid for key in self._keys["keys"])
        due = self._fetched_at is None or self._monotonic() - self._fetched_at >= self._refetch_pause
        if not known and due:
            async with self._lock:
                self._fetched_at = self._monotonic()
                try:
                    published = await self._key_source()
                except (RegistryUnavailableError, RegistryError) as error:
                    # Keys held before still verify; with none at all no statement can be checked now.
                    if self._keys is None:
                        raise as_domain_error(error, unavailable_message=KEYS_UNAVAILABLE) from None
                else:
                    self._keys = published.model_dump(mode="json", exclude_none=True)
        if self._keys is None:
            raise _invalid()
        return self._keys

    async def verify(self, token: str, *, caller_library: str, scope: StatementScope) -> VerifiedStatement:
        header = _unverified_header(token)
        if header.get("typ") != STATEMENT_TYPE:
            raise _invalid()
        keys = await self._published_keys(header.get("kid"))
        try:
            _, claims = read_signed_token(token, keys)
        except SignedTokenError:
            raise _invalid() from None
        return self._check_claims(claims, caller_library=caller_library, scope=scope)

    def _check_claims(self, claims: dict[str, Any], *, caller_library: str, scope: StatementScope) -> VerifiedStatement:
        try:
            patron_id = uuid.UUID(str(claims["sub"]))
            issued_at = dt.datetime.fromtimestamp(int(claims["iat"]), dt.UTC)
            expires_at = dt.datetime.fromtimestamp(int(claims["exp"]), dt.UTC)
            scopes = frozenset(str(claims["scope"]).split())
            statement_id = str(claims["jti"])
            audience, authenticated_at, issuer = claims["aud"], claims["azp"], claims["iss"]
        except (KeyError, TypeError, ValueError, OverflowError):
            raise _invalid() from None
        if issuer != STATEMENT_ISSUER or expires_at - issued_at > STATEMENT_LIFETIME:
            raise _invalid()
        now = self._now()
        if now > expires_at + STATEMENT_CLOCK_LEEWAY or now < issued_at - STATEMENT_CLOCK_LEEWAY:
            raise statement_refused(ErrorKind.UNAUTHENTICATED, "statement_expired", "the statement has expired")
        if audience != self._library_id:
            raise statement_refused(
                ErrorKind.FORBIDDEN, "statement_wrong_audience", "the statement was issued for another library"
            )
        if authenticated_at != caller_library:
            raise statement_refused(
                ErrorKind.FORBIDDEN, "statement_not_for_caller",
                "the statement was issued to another library than the one presenting it",
            )  # fmt: skip
        if scope not in scopes:
            raise statement_refused(
                ErrorKind.FORBIDDEN, "statement_scope_insufficient", "the statement does not allow this"
            )
        return VerifiedStatement(patron_id, authenticated_at, scopes, statement_id, expires_at)
