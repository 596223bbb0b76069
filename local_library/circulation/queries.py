"""SQL for loans and reservations; the caller owns the transaction."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

import asyncpg

from plumbing.db.types import DbConnection
from plumbing.errors import DomainError, ErrorKind

from .models import Loan, Reservation, ReservationStatus

_LOAN_SELECT = """
    SELECT l.loan_id, l.item_id, i.barcode, i.title, i.material, l.patron_id, l.checked_out_on, l.due_on,
           l.renewals, l.reminders_sent, l.last_reminder_on, l.claimed_on, l.returned_on
    FROM loans l JOIN items i USING (item_id)
"""

_RESERVATION_SELECT = """
    SELECT r.reservation_id, r.item_id, i.barcode, i.title, r.patron_id, r.status, r.placed_at, r.ready_on,
           r.pickup_deadline, r.reference_number
    FROM reservations r JOIN items i USING (item_id)
"""


def _loan(row: asyncpg.Record) -> Loan:
    return Loan.model_validate(dict(row))


def _reservation(row: asyncpg.Record) -> Reservation:
    return Reservation.model_validate(dict(row))


async def insert_loan(conn: DbConnection, item_id: int, patron_id: UUID, checked_out_on: date, due_on: date) -> int:
    loan_id: int = await conn.fetchval(
        "INSERT INTO loans (item_id, patron_id, checked_out_on, due_on) VALUES ($1, $2, $3, $4) RETURNING loan_id",
        item_id,
        patron_id,
        checked_out_on,
        due_on,
    )
    return loan_id


async def loan_by_id(conn: DbConnection, loan_id: int) -> Loan:
    row = await conn.fetchrow(_LOAN_SELECT + " WHERE l.loan_id = $1", loan_id)
    if row is None:
        raise DomainError(ErrorKind.NOT_FOUND, "loan_not_found", "no such loan")
    return _loan(row)


async def lock_open_loan(conn: DbConnection, item_id: int) -> Loan | None:
    row = await conn.fetchrow(_LOAN_SELECT + " WHERE l.item_id = $1 AND l.returned_on IS NULL FOR UPDATE OF l", item_id)
    return None if row is None else _loan(row)


async def lock_loan(conn: DbConnection, loan_id: int) -> Loan:
    row = await conn.fetchrow(_LOAN_SELECT + " WHERE l.loan_id = $1 FOR UPDATE OF l", loan_id)
    if row is None:
        raise DomainError(ErrorKind.NOT_FOUND, "loan_not_found", "no such loan")
    return _loan(row)


async def open_loans_of_patron(conn: DbConnection, patron_id: UUID) -> list[Loan]:
    rows = await conn.fetch(
        _LOAN_SELECT + " WHERE l.patron_id = $1 AND l.returned_on IS NULL ORDER BY l.due_on, l.loan_id", patron_id
    )
    return [_loan(row) for row in rows]


async def count_open_loans(conn: DbConnection, patron_id: UUID) -> int:
    count: int = await conn.fetchval(
        "SELECT count(*) FROM loans WHERE patron_id = $1 AND returned_on IS NULL", patron_id
    )
    return count


async def open_loan_ids(conn: DbConnection) -> list[int]:
    rows = await conn.fetch("SELECT loan_id FROM loans WHERE returned_on IS NULL ORDER BY loan_id")
    return [row["loan_id"] for row in rows]


async def update_loan(conn: DbConnection, loan_id: int, **columns: object) -> Loan:
    assignments = ", ".join(f"{name} = ${index}" for index, name in enumerate(columns, start=2))
    await conn.execute(f"UPDATE loans SET {assignments} WHERE loan_id = $1", loan_id, *columns.values())  # noqa: S608 - column names come from code
    return await loan_by_id(conn, loan_id)


async def highest_open_reminder_count(conn: DbConnection, patron_id: UUID) -> int:
    count: int = await conn.fetchval(
        "SELECT coalesce(max(reminders_sent), 0) FROM loans WHERE patron_id = $1 AND returned_on IS NULL", patron_id
    )
    return count


async def insert_reservation(conn: DbConnection, item_id: int, patron_id: UUID, placed_at: datetime) -> int:
    reservation_id: int = await conn.fetchval(
        """
        INSERT INTO reservations (item_id, patron_id, placed_at, status)
        VALUES ($1, $2, $3, 'waiting') RETURNING reservation_id
        """,
        item_id,
        patron_id,
        placed_at,
    )
    return reservation_id


async def reservation_by_id(conn: DbConnection, reservation_id: int, *, for_update: bool = False) -> Reservation:
    lock = " FOR UPDATE OF r" if for_update else ""
    row = await conn.fetchrow(_RESERVATION_SELECT + " WHERE r.reservation_id = $1" + lock, reservation_id)
    if row is None:
        raise DomainError(ErrorKind.NOT_FOUND, "reservation_not_found", "no such reservation")
    return _reservation(row)


async def open_reservations_of_item(conn: DbConnection, item_id: int) -> list[Reservation]:
    """The item's queue: the one it is held for (if any) first, then the waiting ones in the order placed."""
    rows = await conn.fetch(
        _RESERVATION_SELECT
        + """
        WHERE r.item_id = $1 AND r.status IN ('waiting', 'ready')
        ORDER BY r.status = 'ready' DESC, r.placed_at, r.reservation_id
        """,
        item_id,
    )
    return [_reservation(row) for row in rows]


async def reservations_of_patron(conn: DbConnection, patron_id: UUID) -> list[Reservation]:
    rows = await conn.fetch(
        _RESERVATION_SELECT + " WHERE r.patron_id = $1 AND r.status IN ('waiting', 'ready') ORDER BY r.placed_at",
        patron_id,
    )
    return [_reservation(row) for row in rows]


async def mark_ready(
    conn: DbConnection, reservation_id: int, ready_on: date, deadline: date, reference_number: str | None
) -> Reservation:
    await conn.execute(
        """
        UPDATE reservations SET status = 'ready', ready_on = $2, pickup_deadline = $3, reference_number = $4
        WHERE reservation_id = $1
        """,
        reservation_id,
        ready_on,
        deadline,
        reference_number,
    )
    return await reservation_by_id(conn, reservation_id)


async def close_reservation(
    conn: DbConnection, reservation_id: int, status: ReservationStatus, closed_on: date
) -> None:
    await conn.execute(
        "UPDATE reservations SET status = $2, closed_on = $3 WHERE reservation_id = $1",
        reservation_id,
        status,
        closed_on,
    )


async def next_pickup_reference(conn: DbConnection) -> str:
    serial: int = await conn.fetchval("SELECT nextval('pickup_reference_serial')")
    return str(serial)


async def overdue_pickup_item_ids(conn: DbConnection, today: date) -> list[tuple[int, int]]:
    """(reservation, item) pairs held past their pickup deadline."""
    rows = await conn.fetch(
        "SELECT reservation_id, item_id FROM reservations WHERE status = 'ready' AND pickup_deadline < $1 "
        "ORDER BY reservation_id",
        today,
    )
    return [(row["reservation_id"], row["item_id"]) for row in rows]
