"""SQL for staff accounts and tokens; the caller owns the transaction."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

from plumbing.db.types import DbConnection

from .models import StaffMember, StaffRole


async def insert_account(conn: DbConnection, username: str, password_hash: str, role: StaffRole) -> bool:
    inserted = await conn.fetchval(
        """
        INSERT INTO staff_accounts (username, password_hash, role) VALUES ($1, $2, $3)
        ON CONFLICT (username) DO NOTHING RETURNING username
        """,
        username,
        password_hash,
        role,
    )
    return inserted is not None


async def account_for_login(conn: DbConnection, username: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT username, password_hash, role, staff_id FROM staff_accounts WHERE username = $1 AND active", username
    )


async def staff_by_id(conn: DbConnection, staff_id: UUID) -> StaffMember | None:
    """The active account with this id (a desk session's subject); None once it is deactivated."""
    row = await conn.fetchrow("SELECT username, role FROM staff_accounts WHERE staff_id = $1 AND active", staff_id)
    return None if row is None else StaffMember(username=row["username"], role=row["role"])


async def any_admin_exists(conn: DbConnection) -> bool:
    return bool(await conn.fetchval("SELECT EXISTS (SELECT 1 FROM staff_accounts WHERE role = 'admin' AND active)"))


async def list_accounts(conn: DbConnection) -> list[dict[str, object]]:
    rows = await conn.fetch("SELECT username, role, active, created_at FROM staff_accounts ORDER BY username")
    return [dict(row) for row in rows]


async def insert_token(
    conn: DbConnection, token_hash: bytes, username: str, created_at: datetime, expires_at: datetime
) -> None:
    await conn.execute(
        "INSERT INTO staff_tokens (token_hash, username, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        token_hash,
        username,
        created_at,
        expires_at,
    )


async def staff_by_token(conn: DbConnection, token_hash: bytes, now: datetime) -> StaffMember | None:
    row = await conn.fetchrow(
        """
        SELECT a.username, a.role FROM staff_tokens t JOIN staff_accounts a USING (username)
        WHERE t.token_hash = $1 AND t.expires_at > $2 AND a.active
        """,
        token_hash,
        now,
    )
    return None if row is None else StaffMember(username=row["username"], role=row["role"])


async def delete_token(conn: DbConnection, token_hash: bytes) -> None:
    await conn.execute("DELETE FROM staff_tokens WHERE token_hash = $1", token_hash)


async def delete_expired_tokens(conn: DbConnection, now: datetime) -> None:
    await conn.execute("DELETE FROM staff_tokens WHERE expires_at <= $1", now)
