"""Loans and reservations as the node reports them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel

from .fees import Fee

ReservationStatus = Literal["waiting", "ready", "collected", "expired", "cancelled"]


class Loan(BaseModel):
    loan_id: int
    item_id: int
    barcode: str
    title: str
    material: str
    patron_id: UUID
    checked_out_on: date
    due_on: date
    renewals: int
    reminders_sent: int
    last_reminder_on: date | None
    claimed_on: date | None
    returned_on: date | None


class Reservation(BaseModel):
    reservation_id: int
    item_id: int
    barcode: str
    title: str
    patron_id: UUID
    status: ReservationStatus
    placed_at: datetime
    ready_on: date | None
    pickup_deadline: date | None
    reference_number: str | None


@dataclass(frozen=True)
class ReturnResult:
    loan: Loan
    held_for: Reservation | None
    """The reservation the item is now held for, if someone was waiting: it goes to the pickup shelf."""
    replacement_refunded: bool


@dataclass(frozen=True)
class OverdueResult:
    reminders_sent_now: int
    card_blocked_now: bool
    fees: list[Fee]
