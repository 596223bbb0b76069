"""A patron's account as the desk sees it (the staff API's ``/patrons/{id}`` and the desk page alike): the
patron with their open loans, reservations and fees, and what a scanned code names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from uuid import UUID

from local_library.catalogue.queries import find_item_by_barcode
from local_library.invoices.invoices import InvoiceStatement, unsettled_statements_of_patron
from local_library.patrons.models import Patron
from local_library.patrons.queries import patron_by_id
from plumbing.db.types import DbConnection

from .fees import Fee, fees_of_patron
from .models import Loan, Reservation
from .queries import open_loans_of_patron, reservations_of_patron

# A local card is "L" and digits (this library's series); a national card is ten digits.
CARD_NUMBER = re.compile(r"L[0-9]{1,12}|[0-9]{10}")

ScanKind = Literal["item", "card", "unknown"]


@dataclass(frozen=True)
class PatronAccount:
    patron: Patron
    loans: list[Loan]
    reservations: list[Reservation]
    fees: list[Fee]
    invoices: list[InvoiceStatement]
    """Replacement invoices with something to pay or to pay back (their KIDs)."""


async def patron_account(conn: DbConnection, patron_id: UUID) -> PatronAccount:
    """Everything between the patron and this library; ``patron_not_found`` if there is no such patron."""
    return PatronAccount(
        patron=await patron_by_id(conn, patron_id),
        loans=await open_loans_of_patron(conn, patron_id),
        reservations=await reservations_of_patron(conn, patron_id),
        fees=await fees_of_patron(conn, patron_id),
        invoices=await unsettled_statements_of_patron(conn, patron_id),
    )


async def identify_scan(conn: DbConnection, code: str) -> ScanKind:
    """What a scanned code names: an item of this library's catalogue first (a barcode is what it is), else a
    card number if it has a card's shape (whether a patron holds it is for the caller to ask)."""
    if await find_item_by_barcode(conn, code) is not None:
        return "item"
    if CARD_NUMBER.fullmatch(code):
        return "card"
    return "unknown"
