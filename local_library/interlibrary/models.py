"""An interlibrary request as each side sees it (rows of ``interlibrary_borrowing`` / ``_lending``)."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel

from .states import BorrowingState, LendingState


class BorrowedRequest(BaseModel):
    """This library's request for a patron of its own; ``patron_id`` is None once anonymised."""

    request_id: UUID
    patron_id: UUID | None
    owner_library: str
    owner_barcode: str
    title: str
    author: str | None
    state: BorrowingState
    requested_at: datetime
    updated_at: datetime
    owner_due_on: date | None
    lent_on: date | None
    renewals: int
    reminders_sent: int
    pickup_deadline: date | None
    reference_number: str | None
    cancelled_by: str | None
    cancel_reason: str | None
    finished_at: datetime | None


class LentRequest(BaseModel):
    """Another library's request for one of this library's copies."""

    request_id: UUID
    borrower_library: str
    item_id: int
    barcode: str
    title: str
    state: LendingState
    requested_at: datetime
    updated_at: datetime
    due_on: date | None
    renewals: int
    cancelled_by: str | None
    cancel_reason: str | None
    finished_at: datetime | None
