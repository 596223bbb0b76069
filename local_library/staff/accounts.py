"""Creating staff accounts, logging in and out, and recognising a token."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import asyncpg

from local_library.clock import Clock
from local_library.migrations import MIGRATIONS_PACKAGE
from local_library.settings import LibrarySettings
from plumbing.db.pool import service_database
from plumbing.db.types import DbConnection
from plumbing.errors import DomainError, ErrorKind

from .models import MIN_PASSWORD_LENGTH, IssuedToken, NewStaffAccount, StaffMember, StaffRole
from .passwords import StaffPasswordHasher
from .queries import (
    account_for_login,
    any_admin_exists,
    delete_expired_tokens,
    delete_token,
    insert_account,
    insert_token,
    staff_by_id,
    staff_by_token,
)

BOOTSTRAP_ADMIN = "admin"


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


async def create_staff_account(
    conn: DbConnection,
    username: str,
    password: str,
    role: StaffRole,
    *,
    hasher: StaffPasswordHasher | None = None,
) -> StaffMember:
    """Create an account (callable from the command line); ``staff_username_taken`` if the name is in use."""
    account = NewStaffAccount(username=username, password=password, role=role)
    encoded = await (hasher or StaffPasswordHasher()).hash_password(account.password)
    if not await insert_account(conn, account.username, encoded, account.role):
        raise DomainError(ErrorKind.CONFLICT, "staff_username_taken", "a staff account with this name exists")
    return StaffMember(username=account.username, role=account.role)


def read_bootstrap_password(password_file: Path) -> str:
    password = password_file.read_text(encoding="utf-8").strip()
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"{password_file}: the bootstrap admin password needs {MIN_PASSWORD_LENGTH} characters")
    return password


async def ensure_bootstrap_admin(conn: DbConnection, hasher: StaffPasswordHasher, password: str) -> bool:
    """Create account ``admin`` with ``password`` unless an active admin exists; whether it was created."""
    if await any_admin_exists(conn):
        return False
    await create_staff_account(conn, BOOTSTRAP_ADMIN, password, "admin", hasher=hasher)
    return True


async def _checked_account(
    conn: DbConnection, hasher: StaffPasswordHasher, username: str, password: str
) -> asyncpg.Record:
    account = await account_for_login(conn, username)
    # Verified even for an unknown name (against a dummy hash), so timing does not tell which names exist.
    valid = await hasher.verify_password(password, None if account is None else account["password_hash"])
    if account is None or not valid:
        raise DomainError(ErrorKind.UNAUTHENTICATED, "login_failed", "wrong username or password")
    return account


async def authenticate_staff(conn: DbConnection, hasher: StaffPasswordHasher, username: str, password: str) -> UUID:
    """The staff desk's login: the account's id (its sessions' subject), or ``login_failed``."""
    account = await _checked_account(conn, hasher, username, password)
    staff_id: UUID = account["staff_id"]
    return staff_id


async def staff_for_session(conn: DbConnection, staff_id: UUID) -> StaffMember | None:
    """The staff member a desk session is for, if the account is still active."""
    return await staff_by_id(conn, staff_id)


async def log_in(
    conn: DbConnection, hasher: StaffPasswordHasher, clock: Clock, username: str, password: str, *, lifetime: timedelta
) -> IssuedToken:
    account = await _checked_account(conn, hasher, username, password)
    now = clock.now()
    token = secrets.token_urlsafe(32)
    await delete_expired_tokens(conn, now)
    await insert_token(conn, token_hash(token), account["username"], now, now + lifetime)
    return IssuedToken(token=token, expires_at=now + lifetime, username=account["username"], role=account["role"])


async def staff_for_token(conn: DbConnection, clock: Clock, token: str) -> StaffMember:
    member = await staff_by_token(conn, token_hash(token), clock.now())
    if member is None:
        raise DomainError(ErrorKind.UNAUTHENTICATED, "token_invalid", "log in again: the token is unknown or expired")
    return member


async def log_out(conn: DbConnection, token: str) -> None:
    await delete_token(conn, token_hash(token))


async def create_staff_account_for_settings(
    settings: LibrarySettings, username: str, password: str, role: StaffRole
) -> StaffMember:
    """``natreg library create-staff``: an account on the node described by ``settings``."""
    async with (
        service_database(
            settings.database_url, settings.data_dir, settings.database_name, MIGRATIONS_PACKAGE, max_size=1
        ) as pool,
        pool.acquire() as conn,
    ):
        return await create_staff_account(conn, username, password, role)
