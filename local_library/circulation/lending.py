"""Checkout, return and renewal of items, each decided by the library's policy.

Every function runs inside the caller's transaction and locks the item row first, so two desks (or a desk
and a self-service machine) handling one item at once are serialised; the partial unique index on open
loans is the backstop.
"""

from __future__ import annotations

from uuid import UUID

import asyncpg

from local_library.catalogue.queries import item_by_barcode
from local_library.clock import Clock
from local_library.interlibrary.queries import item_out_on_interlibrary_loan
from local_library.notices.outbox import enqueue_notice
from local_library.patrons.models import Patron
from local_library.patrons.queries import patron_by_card, patron_by_id, set_block
from local_library.policy import (
    LibraryPolicy,
    card_blocked,
    due_date,
    loan_limit_reached,
    renewal_decision,
    renewed_due_date,
)
from plumbing.db.types import DbConnection
from plumbing.errors import DomainError, ErrorKind

from .fees import refund_replacement
from .models import Loan, ReturnResult
from .queries import (
    close_reservation,
    count_open_loans,
    highest_open_reminder_count,
    insert_loan,
    loan_by_id,
    lock_loan,
    lock_open_loan,
    open_reservations_of_item,
    update_loan,
)
from .reservations import hold_for_next_in_queue


def _item_on_loan() -> DomainError:
    return DomainError(ErrorKind.CONFLICT, "item_on_loan", "this item is on loan; return it first")


async def check_out(conn: DbConnection, policy: LibraryPolicy, clock: Clock, card_number: str, barcode: str) -> Loan:
    """Lend ``barcode`` to the holder of ``card_number``.

    Whether a PIN was needed is the caller's business: self-service checks it first, staff may lend without.
    """
    patron = await patron_by_card(conn, card_number, for_update=True)
    return await check_out_to(conn, policy, clock, patron, barcode)


async def check_out_to(conn: DbConnection, policy: LibraryPolicy, clock: Clock, patron: Patron, barcode: str) -> Loan:
    if patron.blocked:
        raise DomainError(ErrorKind.FORBIDDEN, "card_blocked", "this card is blocked for loans; ask at the desk")
    if loan_limit_reached(policy, await count_open_loans(conn, patron.patron_id)):
        raise DomainError(ErrorKind.CONFLICT, "loan_limit_reached", f"at most {policy.loan_limit} loans at a time")
    item = await item_by_barcode(conn, barcode, for_update=True)
    if await lock_open_loan(conn, item.item_id) is not None:
        raise _item_on_loan()
    if await item_out_on_interlibrary_loan(conn, item.item_id):
        raise DomainError(
            ErrorKind.CONFLICT, "item_on_interlibrary_loan", "this copy is promised or lent to another library"
        )
    queue = await open_reservations_of_item(conn, item.item_id)
    if queue and queue[0].patron_id != patron.patron_id:
        raise DomainError(ErrorKind.CONFLICT, "held_for_another", "this item is held for another patron's reservation")
    today = clock.today()
    try:
        async with conn.transaction():
            loan_id = await insert_loan(
                conn, item.item_id, patron.patron_id, today, due_date(policy, item.material, today)
            )
    except asyncpg.UniqueViolationError:
        raise _item_on_loan() from None
    if queue:
        await close_reservation(conn, queue[0].reservation_id, "collected", today)
    loan = await loan_by_id(conn, loan_id)
    await enqueue_notice(
        conn,
        clock,
        dedupe_key=f"receipt:{loan_id}",
        patron=patron,
        kind="receipt",
        allowed_channels=("email", "sms", "letter"),
        content={"title": loan.title, "barcode": loan.barcode, "due_on": loan.due_on, "library": policy.name.en},
    )
    return loan


async def return_item(conn: DbConnection, policy: LibraryPolicy, clock: Clock, barcode: str) -> ReturnResult:
    """Take an item back; the next patron in its queue gets it held, and a card blocked by reminders reopens."""
    item = await item_by_barcode(conn, barcode, for_update=True)
    loan = await lock_open_loan(conn, item.item_id)
    if loan is None:
        raise DomainError(ErrorKind.CONFLICT, "item_not_on_loan", "this item is not on loan")
    loan = await update_loan(conn, loan.loan_id, returned_on=clock.today())
    refunded = loan.claimed_on is not None and policy.claims.refund_if_found
    if refunded:
        await refund_replacement(conn, loan.loan_id)
    await _lift_reminder_block_if_settled(conn, policy, loan.patron_id)
    held = await hold_for_next_in_queue(conn, policy, clock, item)
    return ReturnResult(loan=loan, held_for=held, replacement_refunded=refunded)


async def renew(
    conn: DbConnection, policy: LibraryPolicy, clock: Clock, loan_id: int, *, patron_id: UUID | None = None
) -> Loan:
    """Extend a loan by the material's loan period from today; ``patron_id`` restricts it to its borrower."""
    loan = await lock_loan(conn, loan_id)
    if loan.returned_on is not None or (patron_id is not None and loan.patron_id != patron_id):
        raise DomainError(ErrorKind.NOT_FOUND, "loan_not_found", "no such open loan")
    if loan.claimed_on is not None:
        raise DomainError(ErrorKind.CONFLICT, "loan_claimed", "a replacement has been claimed for this loan")
    queue = await open_reservations_of_item(conn, loan.item_id)
    # Reservations are per item, so "someone is waiting" and "the item is reserved" are the same fact here;
    # both are passed so each library's rule (Asker's waiting list, Sandnes' reservation) applies.
    reserved = any(reservation.patron_id != loan.patron_id for reservation in queue)
    decision = renewal_decision(policy, loan.material, loan.renewals, someone_waiting=reserved, item_reserved=reserved)
    if not decision.allowed:
        assert decision.reason is not None
        raise DomainError(ErrorKind.CONFLICT, decision.reason, _RENEWAL_MESSAGES[decision.reason])
    new_due = renewed_due_date(policy, loan.material, loan.due_on, clock.today())
    if new_due is None:
        raise DomainError(ErrorKind.CONFLICT, "renewal_changes_nothing", _RENEWAL_MESSAGES["renewal_changes_nothing"])
    return await update_loan(conn, loan_id, due_on=new_due, renewals=loan.renewals + 1)


_RENEWAL_MESSAGES = {
    "not_renewable": "this kind of item cannot be renewed",
    "renewal_limit_reached": "this loan has been renewed as many times as the library allows",
    "reserved_by_another": "another patron has reserved this item",
    "someone_waiting": "someone is waiting for this item",
    "renewal_changes_nothing": "renewing today would not move the due date",
}


async def _lift_reminder_block_if_settled(conn: DbConnection, policy: LibraryPolicy, patron_id: UUID) -> None:
    """A card blocked by reminders opens again once no open loan has reached the blocking reminder."""
    patron = await patron_by_id(conn, patron_id, for_update=True)
    if patron.blocked_reason == "reminders" and not card_blocked(
        policy, await highest_open_reminder_count(conn, patron_id)
    ):
        await set_block(conn, patron_id, None)
