"""SQL for what the patron may see about themselves, beyond the open loans and reservations the desk works with.

The circulation queries return only what is still open; the patron's right of access covers history too,
so the returned loans, closed reservations and the record's bookkeeping columns are read here. The caller
owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from local_library.circulation.models import Loan, Reservation
from plumbing.db.types import DbConnection
from registry_contract.refusals import RetiredCardReason


@dataclass(frozen=True)
class RecordBookkeeping:
    """Columns of the patron row that the ``Patron`` model leaves out but that are stored all the same."""

    failed_pin_attempts: int
    """Wrong PINs in a row at the desk and kiosks."""
    online_failed_pin_attempts: int
    """Wrong PINs in a row here at Min side (counted apart: they never lock the card for good)."""
    pin_last_failed_at: datetime | None
    """The latest wrong PIN at either."""
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class RetiredCard:
    card_number: str
    retired_at: datetime
    reason: RetiredCardReason


async def record_bookkeeping(conn: DbConnection, patron_id: UUID) -> RecordBookkeeping | None:
    row = await conn.fetchrow(
        "SELECT failed_pin_attempts, online_failed_pin_attempts, "
        "greatest(pin_last_failed_at, online_pin_last_failed_at) AS pin_last_failed_at, created_at, updated_at "
        "FROM patrons WHERE patron_id = $1",
        patron_id,
    )
    return None if row is None else RecordBookkeeping(**dict(row))


async def retired_cards_of_patron(conn: DbConnection, patron_id: UUID) -> list[RetiredCard]:
    rows = await conn.fetch(
        "SELECT card_number, retired_at, reason FROM retired_cards WHERE patron_id = $1 ORDER BY retired_at",
        patron_id,
    )
    return [RetiredCard(row["card_number"], row["retired_at"], row["reason"]) for row in rows]


async def all_loans_of_patron(conn: DbConnection, patron_id: UUID) -> list[Loan]:
    """Every loan, open and returned, newest first."""
    rows = await conn.fetch(
        """
        SELECT l.loan_id, l.item_id, i.barcode, i.title, i.material, l.patron_id, l.checked_out_on, l.due_on,
               l.renewals, l.reminders_sent, l.last_reminder_on, l.claimed_on, l.returned_on
        FROM loans l JOIN items i USING (item_id)
        WHERE l.patron_id = $1
        ORDER BY l.checked_out_on DESC, l.loan_id DESC
        """,
        patron_id,
    )
    return [Loan.model_validate(dict(row)) for row in rows]


async def all_reservations_of_patron(conn: DbConnection, patron_id: UUID) -> list[Reservation]:
    """Every reservation in any status, newest first."""
    rows = await conn.fetch(
        """
        SELECT r.reservation_id, r.item_id, i.barcode, i.title, r.patron_id, r.status, r.placed_at, r.ready_on,
               r.pickup_deadline, r.reference_number
        FROM reservations r JOIN items i USING (item_id)
        WHERE r.patron_id = $1
        ORDER BY r.placed_at DESC, r.reservation_id DESC
        """,
        patron_id,
    )
    return [Reservation.model_validate(dict(row)) for row in rows]
