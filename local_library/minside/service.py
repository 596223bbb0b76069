"""What "Min side" reads for a logged-in patron: the overview and everything this library stores about them.

Renewing and cancelling are the circulation functions themselves (``renew`` and ``cancel_reservation`` with
``patron_id`` set, so a patron can only touch their own); this module only gathers what the pages show.
Each function runs inside the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from local_library.circulation.fees import Fee, fees_of_patron
from local_library.circulation.models import Loan, Reservation
from local_library.circulation.queries import open_loans_of_patron, reservation_by_id, reservations_of_patron
from local_library.invoices.invoices import InvoiceStatement, statements_of_patron, unsettled_statements_of_patron
from local_library.notices.queries import notices_of_patron
from local_library.patrons.models import Patron
from local_library.patrons.queries import patron_by_id
from plumbing.db.types import DbConnection
from plumbing.errors import DomainError
from registry_contract.refusals import patron_not_found

from .queries import (
    RecordBookkeeping,
    RetiredCard,
    all_loans_of_patron,
    all_reservations_of_patron,
    record_bookkeeping,
    retired_cards_of_patron,
)


@dataclass(frozen=True)
class Overview:
    patron: Patron
    loans: list[Loan]
    """Open loans, soonest due first."""
    reservations: list[Reservation]
    """Open reservations (waiting or ready for pickup)."""
    open_fees: list[Fee]
    invoices: list[InvoiceStatement] = field(default_factory=list)
    """Replacement invoices with something to pay or to pay back (their KIDs)."""

    @property
    def open_fees_total_ore(self) -> int:
        return sum(fee.amount_ore for fee in self.open_fees)


@dataclass(frozen=True)
class StoredData:
    """Everything the node keeps about one patron: the right of access at this library."""

    patron: Patron
    bookkeeping: RecordBookkeeping
    retired_cards: list[RetiredCard]
    loans: list[Loan]
    reservations: list[Reservation]
    fees: list[Fee]
    notices: list[dict[str, Any]]
    invoices: list[InvoiceStatement] = field(default_factory=list)
    """Every replacement invoice, settled or not, with its payments."""


async def overview(conn: DbConnection, patron_id: UUID) -> Overview:
    return Overview(
        patron=await patron_by_id(conn, patron_id),
        loans=await open_loans_of_patron(conn, patron_id),
        reservations=await reservations_of_patron(conn, patron_id),
        open_fees=[fee for fee in await fees_of_patron(conn, patron_id) if fee.status == "open"],
        invoices=await unsettled_statements_of_patron(conn, patron_id),
    )


async def stored_data(conn: DbConnection, patron_id: UUID) -> StoredData:
    patron = await patron_by_id(conn, patron_id)
    bookkeeping = await record_bookkeeping(conn, patron_id)
    if bookkeeping is None:  # the patron_by_id above holds no lock, so a deletion can slip in between
        raise patron_not_found()
    return StoredData(
        patron=patron,
        bookkeeping=bookkeeping,
        retired_cards=await retired_cards_of_patron(conn, patron_id),
        loans=await all_loans_of_patron(conn, patron_id),
        reservations=await all_reservations_of_patron(conn, patron_id),
        fees=await fees_of_patron(conn, patron_id),
        notices=await notices_of_patron(conn, patron_id),
        invoices=await statements_of_patron(conn, patron_id),
    )


async def own_reservation(conn: DbConnection, patron_id: UUID, reservation_id: int) -> Reservation | None:
    """The patron's reservation in any status (to name a cancelled one), or None if it is not theirs."""
    try:
        reservation = await reservation_by_id(conn, reservation_id)
    except DomainError:
        return None
    return reservation if reservation.patron_id == patron_id else None
