"""Issuing signed patron statements (the rules are in ``registry_contract.statements``).

The registry issues a statement only to a library the patron is linked to (the one that authenticated them),
for an active library other than itself, and records each scope issued in the patron's audit trail in the same
transaction: the patron sees on the insight page which library asked which on their behalf.
"""

from __future__ import annotations

import secrets

from plumbing.db.types import DbConnection
from plumbing.errors import DomainError, ErrorKind
from plumbing.keys.signing import SigningKeyRing
from registry.auth.libraries import LibraryDirectory
from registry.patrons.core import Caller, RegistryCore, linked_row
from registry_contract.statements import (
    STATEMENT_ISSUER,
    STATEMENT_LIFETIME,
    STATEMENT_TYPE,
    IssuedStatement,
    PublishedKeys,
    StatementRequest,
)

STATEMENT_OPERATION_PREFIX = "statement_"


def statement_operation(scope: str) -> str:
    """The audit operation for one scope issued: ``statement_loans_read`` and so on."""
    return STATEMENT_OPERATION_PREFIX + scope.replace(":", "_")


def _audience_invalid() -> DomainError:
    return DomainError(
        ErrorKind.INVALID, "statement_audience_invalid", "the audience must be another active library in the directory"
    )


async def issue_statement(
    core: RegistryCore, ring: SigningKeyRing, libraries: LibraryDirectory, caller: Caller, request: StatementRequest
) -> IssuedStatement:
    if caller.library_id is None:
        raise _audience_invalid()
    audience = {entry.library_id: entry for entry in libraries.entries()}.get(request.audience)
    if audience is None or audience.revoked or request.audience == caller.library_id:
        raise _audience_invalid()
    scopes = sorted(set(request.scopes))
    issued_at = core.now().replace(microsecond=0)
    expires_at = issued_at + STATEMENT_LIFETIME
    statement_id = secrets.token_urlsafe(16)

    async def work(connection: DbConnection) -> None:
        # The patron must be this library's: a library cannot speak for a patron it has not authenticated.
        await linked_row(connection, caller, request.patron_id, for_update=False)
        # The purpose names the audience and how the patron was authenticated (the insight page words both).
        purpose = f"{request.audience} {request.authenticated_by}"
        for scope in scopes:
            await core.audit(connection, caller, statement_operation(scope), purpose, request.patron_id)

    await core.in_transaction(work)
    claims = {
        "iss": STATEMENT_ISSUER,
        "sub": str(request.patron_id),
        "aud": request.audience,
        "azp": caller.library_id,
        "scope": " ".join(scopes),
        "amr": [request.authenticated_by],
        "iat": int(issued_at.timestamp()),
        "nbf": int(issued_at.timestamp()),
        "exp": int(expires_at.timestamp()),
        "jti": statement_id,
    }
    token = ring.sign(claims, kind=STATEMENT_TYPE)
    return IssuedStatement(statement=token, statement_id=statement_id, expires_at=expires_at)


def published_keys(ring: SigningKeyRing) -> PublishedKeys:
    return PublishedKeys.model_validate(ring.public_jwks())
