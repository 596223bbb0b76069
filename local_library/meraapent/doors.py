"""Door accounts and access agreements: the two things staff and operators set up for unstaffed hours.

A door controller that does not speak SIP2 calls the HTTPS door check with its own account: a random token,
made by ``natreg library add-door``, of which only a SHA-256 digest is kept (the token carries 256 bits, so
a slow hash adds nothing).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import UTC, date, datetime
from uuid import UUID

from local_library.migrations import MIGRATIONS_PACKAGE
from local_library.patrons.queries import patron_by_id
from local_library.settings import LibrarySettings
from plumbing.db.pool import service_database
from plumbing.db.types import DbConnection
from plumbing.errors import DomainError, ErrorKind

from . import queries

DOOR_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def _refused() -> DomainError:
    # One answer for an unknown door and a wrong token, so the door names cannot be probed.
    return DomainError(ErrorKind.UNAUTHENTICATED, "door_token_invalid", "unknown door or wrong door token")


def valid_door_name(door: str) -> str:
    if not DOOR_NAME.fullmatch(door):
        raise DomainError(
            ErrorKind.INVALID, "door_name_invalid", "a door name is lower-case letters, digits, - and _ (at most 64)"
        )
    return door


async def create_door_account(conn: DbConnection, door: str, now: datetime) -> str:
    """A new door account; the token is returned once, here, and never stored."""
    token = secrets.token_urlsafe(32)
    if not await queries.insert_door_account(conn, valid_door_name(door), _digest(token), now):
        raise DomainError(ErrorKind.CONFLICT, "door_exists", f"door {door!r} already has an account")
    return token


async def authenticate_door(conn: DbConnection, door: str, token: str) -> str:
    """The door's name if ``token`` is its token; ``door_token_invalid`` otherwise."""
    if not DOOR_NAME.fullmatch(door):
        raise _refused()
    stored = await queries.door_token_digest(conn, door)
    presented = _digest(token)
    # Compared in constant time even for an unknown door, so timing does not tell which doors exist.
    if not hmac.compare_digest(stored or bytes(32), presented) or stored is None:
        raise _refused()
    return door


async def record_access_agreement(
    conn: DbConnection, patron_id: UUID, signed_on: date, staff: str, now: datetime
) -> date:
    """Staff record the patron's signed agreement (the date on the paper); replaces an earlier one."""
    await patron_by_id(conn, patron_id)  # not_found for an unknown patron, before anything is written
    if signed_on > now.date():
        raise DomainError(ErrorKind.INVALID, "agreement_in_future", "the agreement cannot be signed in the future")
    await queries.record_agreement(conn, patron_id, signed_on, staff, now)
    return signed_on


async def withdraw_access_agreement(conn: DbConnection, patron_id: UUID) -> None:
    await patron_by_id(conn, patron_id)
    await queries.withdraw_agreement(conn, patron_id)


async def access_agreement(conn: DbConnection, patron_id: UUID) -> date | None:
    return await queries.agreement_signed_on(conn, patron_id)


async def create_door_account_for_settings(settings: LibrarySettings, door: str) -> str:
    """``natreg library add-door``: a door account on the node described by ``settings``; its token."""
    async with (
        service_database(
            settings.database_url, settings.data_dir, settings.database_name, MIGRATIONS_PACKAGE, max_size=1
        ) as pool,
        pool.acquire() as conn,
    ):
        return await create_door_account(conn, door, datetime.now(UTC))
