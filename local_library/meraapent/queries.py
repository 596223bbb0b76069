"""SQL of the door check: door accounts, access agreements, the entry log and its look-up log."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

import asyncpg

from plumbing.db.types import DbConnection


async def insert_door_account(conn: DbConnection, door: str, token_digest: bytes, at: datetime) -> bool:
    """False when a door of that name already has an account."""
    status = await conn.execute(
        "INSERT INTO door_accounts (door, token_digest, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        door,
        token_digest,
        at,
    )
    return status.endswith(" 1")


async def door_token_digest(conn: DbConnection, door: str) -> bytes | None:
    digest: bytes | None = await conn.fetchval("SELECT token_digest FROM door_accounts WHERE door = $1", door)
    return digest


async def agreement_signed_on(conn: DbConnection, patron_id: UUID) -> date | None:
    signed: date | None = await conn.fetchval("SELECT signed_on FROM door_agreements WHERE patron_id = $1", patron_id)
    return signed


async def record_agreement(conn: DbConnection, patron_id: UUID, signed_on: date, staff: str, at: datetime) -> None:
    await conn.execute(
        """
        INSERT INTO door_agreements (patron_id, signed_on, recorded_by, recorded_at) VALUES ($1, $2, $3, $4)
        ON CONFLICT (patron_id) DO UPDATE
            SET signed_on = excluded.signed_on, recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at
        """,
        patron_id,
        signed_on,
        staff,
        at,
    )


async def withdraw_agreement(conn: DbConnection, patron_id: UUID) -> None:
    await conn.execute("DELETE FROM door_agreements WHERE patron_id = $1", patron_id)


async def insert_entry(
    conn: DbConnection, patron_ref: bytes | None, door: str, at: datetime, *, admitted: bool, reason: str
) -> None:
    await conn.execute(
        "INSERT INTO door_entries (patron_ref, door, at, admitted, reason) VALUES ($1, $2, $3, $4, $5)",
        patron_ref,
        door,
        at,
        admitted,
        reason,
    )


async def entries_for(conn: DbConnection, patron_ref: bytes, limit: int = 200) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            "SELECT door, at, admitted, reason FROM door_entries WHERE patron_ref = $1 ORDER BY at DESC LIMIT $2",
            patron_ref,
            limit,
        )
    )


async def entries_at_door(conn: DbConnection, door: str | None, limit: int = 500) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            """
            SELECT door, at, admitted, reason FROM door_entries WHERE $1::text IS NULL OR door = $1
            ORDER BY at DESC LIMIT $2
            """,
            door,
            limit,
        )
    )


async def log_lookup(conn: DbConnection, staff: str, at: datetime, patron_id: UUID | None, door: str | None) -> None:
    await conn.execute(
        "INSERT INTO door_entry_lookups (staff_username, at, patron_id, door) VALUES ($1, $2, $3, $4)",
        staff,
        at,
        patron_id,
        door,
    )


async def expire_entries(conn: DbConnection, before: datetime, timezone: str) -> int:
    """Fold entries older than ``before`` into the daily counts (by local day, door, reason); delete them."""
    await conn.execute(
        """
        INSERT INTO door_entry_counts (day, door, reason, entries)
        SELECT (at AT TIME ZONE $2)::date, door, reason, count(*) FROM door_entries WHERE at < $1
        GROUP BY 1, 2, 3
        ON CONFLICT (day, door, reason) DO UPDATE SET entries = door_entry_counts.entries + excluded.entries
        """,
        before,
        timezone,
    )
    status = await conn.execute("DELETE FROM door_entries WHERE at < $1", before)
    return int(status.split()[-1])


async def entry_counts(conn: DbConnection) -> list[asyncpg.Record]:
    return list(await conn.fetch("SELECT day, door, reason, entries FROM door_entry_counts ORDER BY day, door, reason"))
