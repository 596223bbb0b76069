"""Signed patron statements: a patron's authority, for one minute, for one library to answer another about them.

A node that has authenticated a patron (Min side login, a kiosk with the PIN, the desk with the card) asks the
registry for a statement: this patron (registry UUID), authenticated at this library (``azp``), may have library
X (``aud``) answer for these scopes. The registry signs it (ES256, keys published at ``GET /v1/statement-keys``)
and records the issue in the patron's audit trail; the called node checks it
(``local_library.federation.statements``). The claims and their rules are declared here once, for both sides.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from pydantic import Field

from registry_contract.field_types import LibraryId
from registry_contract.models import WireModel

StatementScope = Literal["loans:read", "loans:renew", "requests:create"]
AuthenticatedBy = Literal["minside", "kiosk", "desk_card"]
"""How the asking library knows the patron is there: logged in to Min side, card and PIN at a self-service
machine, or the card shown at the desk."""

STATEMENT_LIFETIME = dt.timedelta(seconds=60)
"""The longest a statement is valid (the registry issues none longer; the called node refuses any longer)."""
STATEMENT_CLOCK_LEEWAY = dt.timedelta(seconds=5)
"""How far two machines' clocks may disagree when a node checks a statement's times."""
STATEMENT_ISSUER = "natreg-registry"
STATEMENT_TYPE = "natreg-patron-statement+jwt"
"""The JWS ``typ`` header: a statement is never mistaken for another token the registry signs."""
STATEMENT_KEY_PURPOSE = "statements"
"""The registry's signing key ring for statements (``KeyLayout.signing_keys``)."""


class StatementRequest(WireModel):
    """Ask for a statement for a patron this library has just authenticated."""

    patron_id: uuid.UUID
    audience: LibraryId = Field(description="the library that is to answer")
    scopes: Annotated[list[StatementScope], Field(min_length=1, max_length=3)]
    authenticated_by: AuthenticatedBy


class IssuedStatement(WireModel):
    """A signed statement (compact JWS) to present to the audience library, and when it expires."""

    statement: str
    statement_id: str
    expires_at: dt.datetime


class PublishedKey(WireModel):
    """A public ES256 key (JWK)."""

    kty: Literal["EC"]
    crv: Literal["P-256"]
    x: str
    y: str
    kid: str
    use: Literal["sig"] | None = None
    alg: Literal["ES256"] | None = None


class PublishedKeys(WireModel):
    """The registry's statement-signing keys (a JWKS): every key whose statements may still be valid."""

    keys: list[PublishedKey]
