"""SQL for both sides of interlibrary requests; the caller owns the transaction."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from plumbing.db.types import DbConnection
from plumbing.errors import DomainError, ErrorKind

from .models import BorrowedRequest, LentRequest

_BORROWED = """
    SELECT request_id, patron_id, owner_library, owner_barcode, title, author, state, requested_at, updated_at,
           owner_due_on, lent_on, renewals, reminders_sent, pickup_deadline, reference_number, cancelled_by,
           cancel_reason, finished_at
    FROM interlibrary_borrowing
"""
_LENT = """
    SELECT l.request_id, l.borrower_library, l.item_id, i.barcode, i.title, l.state, l.requested_at, l.updated_at,
           l.due_on, l.renewals, l.cancelled_by, l.cancel_reason, l.finished_at
    FROM interlibrary_lending l JOIN items i USING (item_id)
"""
_OPEN = "state NOT IN ('completed', 'cancelled')"


def _not_found() -> DomainError:
    return DomainError(ErrorKind.NOT_FOUND, "interlibrary_request_not_found", "no such interlibrary request")


async def insert_borrowed(
    conn: DbConnection,
    request_id: UUID,
    patron_id: UUID,
    *,
    owner_library: str,
    owner_barcode: str,
    title: str,
    author: str | None,
    now: datetime,
) -> None:
    await conn.execute(
        """
        INSERT INTO interlibrary_borrowing
            (request_id, patron_id, owner_library, owner_barcode, title, author, state, requested_at, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, 'requested', $7, $7)
        """,
        request_id, patron_id, owner_library, owner_barcode, title, author, now,
    )  # fmt: skip


async def find_borrowed(conn: DbConnection, request_id: UUID, *, for_update: bool = False) -> BorrowedRequest | None:
    row = await conn.fetchrow(_BORROWED + " WHERE request_id = $1" + (" FOR UPDATE" if for_update else ""), request_id)
    return None if row is None else BorrowedRequest.model_validate(dict(row))


async def borrowed(conn: DbConnection, request_id: UUID, *, for_update: bool = False) -> BorrowedRequest:
    found = await find_borrowed(conn, request_id, for_update=for_update)
    if found is None:
        raise _not_found()
    return found


async def _update_request(
    conn: DbConnection, table: str, request_id: UUID, now: datetime, columns: dict[str, object]
) -> None:
    """Set ``columns`` (names from code, never from input) and ``updated_at`` on one side's request row."""
    assignments = ", ".join(f"{name} = ${index}" for index, name in enumerate(columns, start=3))
    await conn.execute(
        f"UPDATE {table} SET updated_at = $2, {assignments} WHERE request_id = $1",  # noqa: S608 - names from code
        request_id,
        now,
        *columns.values(),
    )


async def update_borrowed(conn: DbConnection, request_id: UUID, now: datetime, **columns: object) -> BorrowedRequest:
    await _update_request(conn, "interlibrary_borrowing", request_id, now, columns)
    return await borrowed(conn, request_id)


async def borrowed_of_patron(conn: DbConnection, patron_id: UUID) -> list[BorrowedRequest]:
    rows = await conn.fetch(_BORROWED + " WHERE patron_id = $1 ORDER BY requested_at DESC", patron_id)
    return [BorrowedRequest.model_validate(dict(row)) for row in rows]


async def open_borrowed(conn: DbConnection) -> list[BorrowedRequest]:
    rows = await conn.fetch(_BORROWED + f" WHERE {_OPEN} ORDER BY requested_at")
    return [BorrowedRequest.model_validate(dict(row)) for row in rows]


async def overdue_lent(conn: DbConnection, today: date) -> list[BorrowedRequest]:
    """Copies lent to our patrons past the owner's due date, locked for the caller's transaction."""
    rows = await conn.fetch(
        _BORROWED + " WHERE state = 'lent' AND owner_due_on < $1 ORDER BY request_id FOR UPDATE", today
    )
    return [BorrowedRequest.model_validate(dict(row)) for row in rows]


async def insert_lent(conn: DbConnection, request_id: UUID, borrower_library: str, item_id: int, now: datetime) -> None:
    await conn.execute(
        """
        INSERT INTO interlibrary_lending (request_id, borrower_library, item_id, state, requested_at, updated_at)
        VALUES ($1, $2, $3, 'requested', $4, $4)
        """,
        request_id,
        borrower_library,
        item_id,
        now,
    )


async def find_lent(conn: DbConnection, request_id: UUID, *, for_update: bool = False) -> LentRequest | None:
    lock = " FOR UPDATE OF l" if for_update else ""
    row = await conn.fetchrow(_LENT + " WHERE l.request_id = $1" + lock, request_id)
    return None if row is None else LentRequest.model_validate(dict(row))


async def lent(conn: DbConnection, request_id: UUID, *, for_update: bool = False) -> LentRequest:
    found = await find_lent(conn, request_id, for_update=for_update)
    if found is None:
        raise _not_found()
    return found


async def update_lent(conn: DbConnection, request_id: UUID, now: datetime, **columns: object) -> LentRequest:
    await _update_request(conn, "interlibrary_lending", request_id, now, columns)
    return await lent(conn, request_id)


async def open_lent(conn: DbConnection) -> list[LentRequest]:
    rows = await conn.fetch(_LENT + " WHERE l." + _OPEN + " ORDER BY l.requested_at")
    return [LentRequest.model_validate(dict(row)) for row in rows]


async def item_out_on_interlibrary_loan(conn: DbConnection, item_id: int) -> bool:
    """Whether the copy is promised or lent to another library (an open request holds it)."""
    found: bool = await conn.fetchval(
        f"SELECT EXISTS (SELECT 1 FROM interlibrary_lending WHERE item_id = $1 AND {_OPEN})",  # noqa: S608 - constant
        item_id,
    )
    return found


async def anonymise_finished_before(conn: DbConnection, cutoff: datetime, now: datetime) -> int:
    """Forget the patron of every request that ended before ``cutoff``; how many were anonymised."""
    done = await conn.fetch(
        """
        UPDATE interlibrary_borrowing SET patron_id = NULL, reference_number = NULL, anonymised_at = $2
        WHERE anonymised_at IS NULL AND finished_at IS NOT NULL AND finished_at < $1
        RETURNING request_id
        """,
        cutoff,
        now,
    )
    return len(done)


async def lent_due_on(conn: DbConnection, request_id: UUID) -> date | None:
    due: date | None = await conn.fetchval("SELECT due_on FROM interlibrary_lending WHERE request_id = $1", request_id)
    return due
