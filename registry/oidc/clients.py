"""Library services that may ask the registry to log a patron in: registered by an administrator, each with its
exact redirect URIs, its set of claims, and either a secret (a server) or none (an app: PKCE alone).

The secret is 256 random bits shown once at registration; the registry keeps only its SHA-256 digest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import asyncpg

from plumbing.db.types import DbConnection
from plumbing.errors import DomainError, ErrorKind
from plumbing.text import has_control_character
from plumbing.web.language import Language
from registry.oidc import store
from registry.oidc.claims import DEFAULT_CLAIMS, unknown_claims

CLIENT_ID = re.compile(r"[a-z0-9][a-z0-9-]{1,62}")
LOOPBACK_HOSTS = {"127.0.0.1", "::1", "localhost"}


@dataclass(frozen=True)
class ServiceClient:
    client_id: str
    names: dict[Language, str]
    redirect_uris: tuple[str, ...]
    claims: tuple[str, ...]
    secret_digest: bytes | None
    created_at: dt.datetime
    disabled_at: dt.datetime | None

    @property
    def confidential(self) -> bool:
        return self.secret_digest is not None

    def name(self, language: Language) -> str:
        return self.names[language]

    def secret_matches(self, secret: str) -> bool:
        return self.secret_digest is not None and hmac.compare_digest(self.secret_digest, secret_digest(secret))


@dataclass(frozen=True)
class RegisteredService:
    client: ServiceClient
    secret: str | None
    """The client secret in clear, for the administrator to hand over: shown once, never stored."""


def secret_digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def client_from_row(row: asyncpg.Record) -> ServiceClient:
    return ServiceClient(
        client_id=row["client_id"], names={"nb": row["name_nb"], "en": row["name_en"]},
        redirect_uris=tuple(row["redirect_uris"]), claims=tuple(row["claims"]),
        secret_digest=None if row["secret_digest"] is None else bytes(row["secret_digest"]),
        created_at=row["created_at"], disabled_at=row["disabled_at"],
    )  # fmt: skip


def _refuse(code: str, message: str) -> DomainError:
    return DomainError(ErrorKind.INVALID, code, message)


def check_redirect_uri(uri: str) -> None:
    """An absolute https URL without fragment; plain http only to this machine (an app's loopback listener)."""
    parts = urlsplit(uri)
    loopback = parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS
    if has_control_character(uri) or parts.fragment or not parts.hostname or not (parts.scheme == "https" or loopback):
        raise _refuse(
            "redirect_uri_invalid", f"{uri!r}: a redirect URI is an https URL (http only on loopback), no fragment"
        )


def check_registration(client_id: str, names: dict[Language, str], redirect_uris: list[str], claims: list[str]) -> None:
    if not CLIENT_ID.fullmatch(client_id):
        raise _refuse("client_id_invalid", "a service id is 2-63 lower-case letters, digits and dashes")
    if any(not name.strip() or len(name) > 100 or has_control_character(name) for name in names.values()):
        raise _refuse("service_name_invalid", "a service's name is 1-100 characters of plain text")
    if not redirect_uris:
        raise _refuse("redirect_uri_invalid", "a service needs at least one redirect URI")
    for uri in redirect_uris:
        check_redirect_uri(uri)
    unknown = unknown_claims(claims)
    if unknown:
        raise _refuse("claim_unknown", f"unknown claims: {', '.join(unknown)}")


async def register_service(
    connection: DbConnection, *, client_id: str, names: dict[Language, str], redirect_uris: list[str],
    claims: list[str] | None, public: bool, now: dt.datetime,
) -> RegisteredService:  # fmt: skip
    """Register a service; a confidential one gets its secret here, once."""
    chosen_claims = list(dict.fromkeys(claims or DEFAULT_CLAIMS))
    check_registration(client_id, names, redirect_uris, chosen_claims)
    secret = None if public else secrets.token_urlsafe(32)
    digest = None if secret is None else secret_digest(secret)
    inserted = await store.insert_client(
        connection, client_id=client_id, name_nb=names["nb"], name_en=names["en"],
        redirect_uris=list(dict.fromkeys(redirect_uris)), claims=chosen_claims, secret_digest=digest, created_at=now,
    )  # fmt: skip
    if not inserted:
        raise DomainError(ErrorKind.CONFLICT, "client_id_taken", f"a service {client_id!r} is already registered")
    row = await store.client_row(connection, client_id)
    assert row is not None
    return RegisteredService(client_from_row(row), secret)


async def active_client(connection: DbConnection, client_id: str) -> ServiceClient | None:
    row = await store.client_row(connection, client_id)
    if row is None or row["disabled_at"] is not None:
        return None
    return client_from_row(row)


async def all_clients(connection: DbConnection) -> list[ServiceClient]:
    return [client_from_row(row) for row in await store.client_rows(connection)]


async def disable_service(connection: DbConnection, client_id: str, now: dt.datetime) -> None:
    if not await store.disable_client(connection, client_id, now):
        raise DomainError(ErrorKind.NOT_FOUND, "client_not_found", f"no service {client_id!r} is registered")


@dataclass(frozen=True)
class ServiceUse:
    """One service the patron agreed to log in to, as the insight page lists it."""

    client_id: str
    names: Mapping[Language, str]
    claims: Sequence[str]
    agreed_at: dt.datetime
    last_login_at: dt.datetime | None
    logins: int


async def services_used(connection: DbConnection, patron_id: uuid.UUID) -> list[ServiceUse]:
    """The services the patron agreed to log in to, most recently used first (for the insight page)."""
    return [
        ServiceUse(
            client_id=row["client_id"],
            names={"nb": row["name_nb"], "en": row["name_en"]},
            claims=tuple(row["claims"]),
            agreed_at=row["granted_at"],
            last_login_at=row["last_login_at"],
            logins=row["logins"],
        )
        for row in await store.services_of(connection, patron_id)
    ]


async def withdraw_consent(connection: DbConnection, patron_id: uuid.UUID, client_id: str) -> bool:
    """The patron takes back what they agreed to give a service; False if there was nothing to take back."""
    return await store.withdraw_consent(connection, patron_id, client_id)
