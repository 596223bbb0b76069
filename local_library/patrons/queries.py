"""SQL for patrons; the caller owns the transaction."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

from plumbing.db.types import DbConnection
from registry_contract.lockout import Door
from registry_contract.refusals import RetiredCardReason, card_retired, patron_not_found

from .models import BlockReason, Patron

LOCAL_CARD_PREFIX = "L"

_PATRON_COLUMNS = """
    patron_id, kind, card_number, registry_patron_id, name, birth_date, responsible_person, guardian_name,
    guardian_contact, email, phone, postal_address, preferred_contact, pre_due_notice, pin_hash IS NOT NULL AS has_pin,
    blocked, blocked_reason
"""


def patron_from_row(row: asyncpg.Record) -> Patron:
    return Patron.model_validate(dict(row))


async def next_local_card_number(conn: DbConnection) -> str:
    """A card number of this library's own series; never a national number, which is ten digits."""
    serial = await conn.fetchval("SELECT nextval('local_card_serial')")
    return f"{LOCAL_CARD_PREFIX}{serial:08d}"


async def insert_patron(conn: DbConnection, **columns: object) -> Patron:
    names = list(columns)
    placeholders = ", ".join(f"${index}" for index in range(1, len(names) + 1))
    row = await conn.fetchrow(
        f"INSERT INTO patrons ({', '.join(names)}) VALUES ({placeholders}) RETURNING {_PATRON_COLUMNS}",  # noqa: S608 - column names come from code, values are parameters
        *columns.values(),
    )
    assert row is not None
    return patron_from_row(row)


async def update_patron(conn: DbConnection, patron_id: UUID, **columns: object) -> Patron:
    names = list(columns)
    assignments = ", ".join(f"{name} = ${index}" for index, name in enumerate(names, start=2))
    row = await conn.fetchrow(
        f"UPDATE patrons SET {assignments}, updated_at = now() WHERE patron_id = $1 RETURNING {_PATRON_COLUMNS}",  # noqa: S608 - as above
        patron_id,
        *columns.values(),
    )
    if row is None:
        raise patron_not_found()
    return patron_from_row(row)


async def patron_by_id(conn: DbConnection, patron_id: UUID, *, for_update: bool = False) -> Patron:
    lock = " FOR UPDATE" if for_update else ""
    row = await conn.fetchrow(f"SELECT {_PATRON_COLUMNS} FROM patrons WHERE patron_id = $1{lock}", patron_id)  # noqa: S608 - constant
    if row is None:
        raise patron_not_found()
    return patron_from_row(row)


async def patron_exists(conn: DbConnection, patron_id: UUID) -> bool:
    return bool(await conn.fetchval("SELECT true FROM patrons WHERE patron_id = $1", patron_id))


async def patron_by_card(conn: DbConnection, card_number: str, *, for_update: bool = False) -> Patron:
    """The patron holding ``card_number``; a retired card is refused with its reason's own code."""
    lock = " FOR UPDATE" if for_update else ""
    row = await conn.fetchrow(f"SELECT {_PATRON_COLUMNS} FROM patrons WHERE card_number = $1{lock}", card_number)  # noqa: S608 - constant
    if row is not None:
        return patron_from_row(row)
    reason = await conn.fetchval("SELECT reason FROM retired_cards WHERE card_number = $1", card_number)
    if reason is not None:
        raise card_retired(reason)
    raise patron_not_found()


# The failure counter and last failure of each door (registry_contract.lockout): desk and kiosk, or Min side.
PIN_COUNTERS = {
    "library": ("failed_pin_attempts", "pin_last_failed_at"),
    "online": ("online_failed_pin_attempts", "online_pin_last_failed_at"),
}
PIN_COUNTERS_CLEARED: dict[str, object] = {
    "failed_pin_attempts": 0,
    "pin_last_failed_at": None,
    "online_failed_pin_attempts": 0,
    "online_pin_last_failed_at": None,
}


async def pin_state(conn: DbConnection, patron_id: UUID, door: Door) -> asyncpg.Record:
    """The PIN hash, this door's counter (``failed``, ``last_failed``) and the desk's count, locked for update."""
    counter, last_failed = PIN_COUNTERS[door]
    row = await conn.fetchrow(
        f"SELECT pin_hash, {counter} AS failed, {last_failed} AS last_failed, failed_pin_attempts "  # noqa: S608 - constant
        "FROM patrons WHERE patron_id = $1 FOR UPDATE",
        patron_id,
    )
    assert row is not None
    return row


async def record_pin_failure(conn: DbConnection, patron_id: UUID, door: Door, at: datetime) -> None:
    counter, last_failed = PIN_COUNTERS[door]
    await conn.execute(
        f"UPDATE patrons SET {counter} = {counter} + 1, {last_failed} = $2 WHERE patron_id = $1",  # noqa: S608 - constant
        patron_id,
        at,
    )


async def clear_pin_failures(conn: DbConnection, patron_id: UUID) -> None:
    await conn.execute(
        "UPDATE patrons SET failed_pin_attempts = 0, pin_last_failed_at = NULL, online_failed_pin_attempts = 0, "
        "online_pin_last_failed_at = NULL WHERE patron_id = $1",
        patron_id,
    )


async def retire_card(
    conn: DbConnection, patron_id: UUID, card_number: str, retired_at: datetime, reason: RetiredCardReason
) -> None:
    await conn.execute(
        "INSERT INTO retired_cards (card_number, patron_id, retired_at, reason) VALUES ($1, $2, $3, $4)",
        card_number,
        patron_id,
        retired_at,
        reason,
    )


async def set_block(conn: DbConnection, patron_id: UUID, reason: BlockReason | None) -> Patron:
    return await update_patron(conn, patron_id, blocked=reason is not None, blocked_reason=reason)


async def patron_names(conn: DbConnection, patron_ids: list[UUID]) -> dict[UUID, str]:
    """The names of the given patrons that still exist here (lists that name patrons by id)."""
    rows = await conn.fetch("SELECT patron_id, name FROM patrons WHERE patron_id = ANY($1::uuid[])", patron_ids)
    return {row["patron_id"]: row["name"] for row in rows}


# The desk's search lists at most this many patrons: a person reads the list, and a narrower name finds more.
SEARCH_LIMIT = 50


async def find_patrons(conn: DbConnection, query: str) -> list[Patron]:
    """Patrons whose card number is ``query`` (a retired number finds its holder) or whose name or responsible
    person contains it (case-insensitive), by name."""
    text = query.strip()
    if not text:
        return []
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = await conn.fetch(
        f"""
        SELECT {_PATRON_COLUMNS} FROM patrons
        WHERE card_number = $1
           OR patron_id IN (SELECT patron_id FROM retired_cards WHERE card_number = $1)
           OR name ILIKE $2 OR responsible_person ILIKE $2
        ORDER BY (card_number = $1) IS TRUE DESC, name, patron_id LIMIT $3
        """,  # noqa: S608 - the column list is a constant, values are parameters
        text.upper(),  # card numbers are stored as issued ("L" and digits), so the indexes serve a typed "l"
        pattern,
        SEARCH_LIMIT,
    )
    return [patron_from_row(row) for row in rows]
