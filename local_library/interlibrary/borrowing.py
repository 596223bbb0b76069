"""The borrowing (pickup) library's side: a patron orders another library's copy, picks it up here, returns it.

Every change the owner must hear of is queued in the same transaction (``outbox``); messages from the owner
are applied by ``apply_from_owner`` (through ``dispatch``). Staff moves are checked
against ``states.BORROWING_MOVES``; the patron's loan follows this library's rules for the card and the
pickup shelf and the owner's due date (see the package docstring).
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime

import asyncpg

from local_library.circulation.queries import next_pickup_reference
from local_library.clock import Clock
from local_library.federation.peer_client import PeerRefusedError
from local_library.notices.outbox import enqueue_notice
from local_library.patrons.models import Patron
from local_library.patrons.queries import patron_by_id
from local_library.policy import LibraryPolicy, pickup_deadline, reminders_due
from local_library.registry_link.outbox import NeedsStaff
from plumbing.db.types import DbConnection
from plumbing.errors import DomainError, ErrorKind

from .messages import PeerAnswer, PeerMessage
from .models import BorrowedRequest
from .outbox import QueuedMessage, enqueue_message
from .queries import borrowed, insert_borrowed, overdue_lent, update_borrowed
from .states import BORROWING_MOVES, BORROWING_ORDER, is_ahead, require_cancellable, require_move

_REASON = re.compile(r"[a-z_]{1,64}")  # what a stored reason may look like (the table's check)
# A cancellation by the patron or by staff here is overtaken by the owner's shipment: the copy is on its way.
_CANCELLED_HERE = ("patron", "staff")


async def order_copy(
    conn: DbConnection,
    clock: Clock,
    own_library: str,
    patron: Patron,
    *,
    owner_library: str,
    barcode: str,
    title: str,
    author: str | None,
) -> BorrowedRequest:
    """Order ``owner_library``'s copy ``barcode`` for ``patron`` to pick up here; the owner is asked via the outbox."""
    if owner_library == own_library:
        raise DomainError(ErrorKind.CONFLICT, "interlibrary_own_copy", "this library owns the copy: reserve it instead")
    if patron.blocked:
        raise DomainError(ErrorKind.FORBIDDEN, "card_blocked", "this card is blocked; ask at the desk")
    request_id = uuid.uuid4()
    now = clock.now()
    try:
        async with conn.transaction():  # a savepoint, so the duplicate can be reported without aborting
            await insert_borrowed(
                conn, request_id, patron.patron_id, owner_library=owner_library, owner_barcode=barcode,
                title=title, author=author, now=now,
            )  # fmt: skip
    except asyncpg.UniqueViolationError:
        raise DomainError(
            ErrorKind.CONFLICT, "interlibrary_already_requested", "you have already ordered this copy"
        ) from None
    await enqueue_message(conn, now, owner_library, "request_item", PeerMessage(request_id=request_id, barcode=barcode))
    return await borrowed(conn, request_id)


async def cancel_order(
    conn: DbConnection, clock: Clock, request_id: uuid.UUID, *, patron_id: uuid.UUID | None = None
) -> BorrowedRequest:
    """Withdraw a request the owner has not shipped yet (by the patron, or by staff when ``patron_id`` is None)."""
    request = await borrowed(conn, request_id, for_update=True)
    if patron_id is not None and request.patron_id != patron_id:
        raise DomainError(ErrorKind.NOT_FOUND, "interlibrary_request_not_found", "no such interlibrary request")
    require_cancellable(request.state)
    now = clock.now()
    cancelled = await update_borrowed(
        conn, request_id, now, state="cancelled", cancelled_by="staff" if patron_id is None else "patron",
        cancel_reason="withdrawn", finished_at=now,
    )  # fmt: skip
    await enqueue_message(conn, now, request.owner_library, "cancel_request", PeerMessage(request_id=request_id))
    return cancelled


async def receive_shipment(
    conn: DbConnection, policy: LibraryPolicy, clock: Clock, request_id: uuid.UUID
) -> BorrowedRequest:
    """The copy arrived here: it waits on the pickup shelf under this library's rules, and the patron is told."""
    request = await borrowed(conn, request_id, for_update=True)
    require_move(BORROWING_MOVES, request.state, "received")
    if request.patron_id is None:  # anonymised only after the end, so never here; kept for the type
        raise DomainError(ErrorKind.CONFLICT, "interlibrary_state_conflict", "the request has ended")
    now, today = clock.now(), clock.today()
    reference = await next_pickup_reference(conn) if policy.reservations.pickup_reference_number else None
    received = await update_borrowed(
        conn, request_id, now, state="received", pickup_deadline=pickup_deadline(policy, today),
        reference_number=reference,
    )  # fmt: skip
    await enqueue_notice(
        conn,
        clock,
        dedupe_key=f"interlibrary-pickup:{request_id}",
        patron=await patron_by_id(conn, request.patron_id),
        kind="pickup",
        allowed_channels=policy.reservations.pickup_notice_channels,
        content={
            "title": received.title,
            "barcode": received.owner_barcode,
            "reference_number": received.reference_number,
            "pickup_deadline": received.pickup_deadline,
            "library": policy.name.en,
        },
    )
    await enqueue_message(conn, now, request.owner_library, "item_received", PeerMessage(request_id=request_id))
    return received


async def lend_to_patron(conn: DbConnection, clock: Clock, request_id: uuid.UUID) -> BorrowedRequest:
    """Hand the copy to its patron; due when the owner wants it back."""
    request = await borrowed(conn, request_id, for_update=True)
    require_move(BORROWING_MOVES, request.state, "lent")
    assert request.patron_id is not None  # open requests keep their patron (the table's check)
    patron = await patron_by_id(conn, request.patron_id)
    if patron.blocked:
        raise DomainError(ErrorKind.FORBIDDEN, "card_blocked", "this card is blocked for loans; ask at the desk")
    if request.owner_due_on is None:
        raise DomainError(
            ErrorKind.CONFLICT,
            "interlibrary_due_date_unknown",
            "the owner's shipping message (with the due date) has not arrived yet; try again later",
        )
    return await update_borrowed(conn, request_id, clock.now(), state="lent", lent_on=clock.today())


async def remind_overdue(conn: DbConnection, policy: LibraryPolicy, clock: Clock) -> int:
    """Queue the reminders this library's schedule calls for by today on overdue interlibrary loans (the daily
    run); how many were queued. Reminders only: the fees and blocks of the schedule stay with this library's
    own loans, and the copy's replacement is a matter between the two libraries."""
    today = clock.today()
    queued = 0
    for request in await overdue_lent(conn, today):
        assert request.patron_id is not None  # lent requests keep their patron and due date
        assert request.owner_due_on is not None
        target = reminders_due(policy, request.owner_due_on, request.reminders_sent, today)
        if target == request.reminders_sent:
            continue
        patron = await patron_by_id(conn, request.patron_id)
        for number in range(request.reminders_sent + 1, target + 1):
            queued += await enqueue_notice(
                conn,
                clock,
                dedupe_key=f"interlibrary-reminder:{request.request_id}:{number}",
                patron=patron,
                kind="reminder",
                allowed_channels=policy.reminders.channels,
                content={
                    "reminder_number": number, "title": request.title, "barcode": request.owner_barcode,
                    "due_on": request.owner_due_on, "fee_ore": 0, "library": policy.name.en,
                },
            )  # fmt: skip
        await update_borrowed(conn, request.request_id, clock.now(), reminders_sent=target)
    return queued


async def take_back_from_patron(conn: DbConnection, clock: Clock, request_id: uuid.UUID) -> BorrowedRequest:
    request = await borrowed(conn, request_id, for_update=True)
    require_move(BORROWING_MOVES, request.state, "returned")
    return await update_borrowed(conn, request_id, clock.now(), state="returned")


async def ship_back(conn: DbConnection, clock: Clock, request_id: uuid.UUID) -> BorrowedRequest:
    """Send the copy home: after the patron returned it, or when it was never collected."""
    request = await borrowed(conn, request_id, for_update=True)
    require_move(BORROWING_MOVES, request.state, "shipped_back")
    now = clock.now()
    shipped = await update_borrowed(conn, request_id, now, state="shipped_back")
    await enqueue_message(conn, now, request.owner_library, "item_shipped_back", PeerMessage(request_id=request_id))
    return shipped


async def apply_from_owner(
    conn: DbConnection, now: datetime, owner_library: str, operation: str, message: PeerMessage
) -> PeerAnswer:
    """Apply the owner's message; late, repeated or out-of-order messages change nothing."""
    request = await borrowed(conn, message.request_id, for_update=True)
    if request.owner_library != owner_library:  # only the owner speaks for its copy
        raise DomainError(ErrorKind.NOT_FOUND, "interlibrary_request_not_found", "no such interlibrary request")
    if operation == "item_shipped":
        request = await _shipped(conn, now, request, message)
    elif operation == "request_cancelled" and request.state == "requested":
        request = await update_borrowed(
            conn, request.request_id, now, state="cancelled", cancelled_by="owner",
            cancel_reason=message.reason or "cancelled_by_owner", finished_at=now,
        )  # fmt: skip
    elif operation == "item_received_back" and request.state not in ("completed", "cancelled"):
        request = await update_borrowed(conn, request.request_id, now, state="completed", finished_at=now)
    return PeerAnswer(request_id=request.request_id, state=request.state, due_on=request.owner_due_on)


async def _shipped(
    conn: DbConnection, now: datetime, request: BorrowedRequest, message: PeerMessage
) -> BorrowedRequest:
    if request.state == "cancelled" and request.cancelled_by in _CANCELLED_HERE:
        # The owner shipped before our cancellation reached it: the copy is coming, so the request lives on.
        return await update_borrowed(
            conn, request.request_id, now, state="shipped", owner_due_on=message.due_on, cancelled_by=None,
            cancel_reason=None, finished_at=None,
        )  # fmt: skip
    if is_ahead(BORROWING_ORDER, request.state, "shipped"):
        return await update_borrowed(conn, request.request_id, now, state="shipped", owner_due_on=message.due_on)
    if request.owner_due_on is None and request.state not in ("completed", "cancelled"):
        # The copy was received before this message: keep the state, learn the due date.
        return await update_borrowed(conn, request.request_id, now, owner_due_on=message.due_on)
    return request


async def settle_answer_from_owner(
    conn: DbConnection, now: datetime, queued: QueuedMessage, answer: PeerAnswer | PeerRefusedError
) -> None:
    """Apply the owner's answer to one of our messages (in the outbox's claim transaction)."""
    if isinstance(answer, PeerAnswer):
        if queued.operation == "request_item" and answer.title is not None:
            await update_borrowed(conn, queued.message.request_id, now, title=answer.title, author=answer.author)
        return
    request = await borrowed(conn, queued.message.request_id, for_update=True)
    if queued.operation == "request_item":
        # The owner cannot lend the copy (gone, lent meanwhile, not lendable): the request ends, the patron sees why.
        if request.state == "requested":
            await update_borrowed(
                conn, request.request_id, now, state="cancelled", cancelled_by="owner",
                cancel_reason=answer.code if _REASON.fullmatch(answer.code) else "refused_by_owner", finished_at=now,
            )  # fmt: skip
        return
    if queued.operation == "cancel_request" and answer.code == "interlibrary_not_cancellable":
        return  # too late: the owner's shipping message revives the request (``_shipped``)
    raise NeedsStaff(answer.code)
