"""The owner's side: another library asks for one of our copies, we ship it, it comes back.

While a request is open the copy is on loan to it: it is not lent here (``circulation.lending`` refuses it),
not put on the pickup shelf for a local reservation, and not promised to a second request (a unique index).
The owner's policy sets how long the copy is away and whether it may be renewed; the owner never learns
who the patron is.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from local_library.catalogue.queries import item_by_barcode, item_by_id
from local_library.circulation.queries import lock_open_loan, open_reservations_of_item
from local_library.circulation.reservations import hold_for_next_in_queue
from local_library.clock import Clock
from local_library.federation.peer_client import PeerRefusedError
from local_library.policy import LibraryPolicy, can_reserve, due_date, renewal_decision
from local_library.registry_link.outbox import NeedsStaff
from plumbing.db.types import DbConnection
from plumbing.errors import DomainError, ErrorKind

from .messages import PeerAnswer, PeerMessage, RenewalAsk
from .models import LentRequest
from .outbox import QueuedMessage, enqueue_message
from .queries import find_lent, insert_lent, item_out_on_interlibrary_loan, lent, update_lent
from .states import LENDING_MOVES, LENDING_ORDER, is_ahead, require_cancellable, require_move


def _unavailable() -> DomainError:
    return DomainError(
        ErrorKind.CONFLICT, "interlibrary_item_unavailable", "this copy cannot be lent to another library now"
    )


def _answer(request: LentRequest, *, author: str | None = None) -> PeerAnswer:
    return PeerAnswer(
        request_id=request.request_id, state=request.state, due_on=request.due_on, title=request.title, author=author
    )


async def accept_request(
    conn: DbConnection, policy: LibraryPolicy, now: datetime, borrower_library: str, message: PeerMessage
) -> PeerAnswer:
    """Promise the copy to ``borrower_library`` if it is on the shelf and nobody here waits for it."""
    existing = await find_lent(conn, message.request_id)
    if existing is not None:
        if existing.borrower_library != borrower_library:
            raise DomainError(ErrorKind.NOT_FOUND, "interlibrary_request_not_found", "no such interlibrary request")
        return _answer(existing)
    if message.barcode is None:
        raise DomainError(ErrorKind.INVALID, "barcode_required", "a request names the copy by its barcode")
    item = await item_by_barcode(conn, message.barcode, for_update=True)  # serialised with checkouts of the copy
    if not can_reserve(policy, item.material):  # what cannot be reserved here (quick loans) stays here
        raise _unavailable()
    if (
        await lock_open_loan(conn, item.item_id) is not None
        or await open_reservations_of_item(conn, item.item_id)
        or await item_out_on_interlibrary_loan(conn, item.item_id)
    ):
        raise _unavailable()
    await insert_lent(conn, message.request_id, borrower_library, item.item_id, now)
    return _answer(await lent(conn, message.request_id), author=await _author(conn, item.item_id))


async def _author(conn: DbConnection, item_id: int) -> str | None:
    author: str | None = await conn.fetchval("SELECT author FROM items WHERE item_id = $1", item_id)
    return author


async def ship(conn: DbConnection, policy: LibraryPolicy, clock: Clock, request_id: uuid.UUID) -> LentRequest:
    """Staff pulled the copy from the shelf and sent it; it is due back after our loan period for its material."""
    request = await lent(conn, request_id, for_update=True)
    require_move(LENDING_MOVES, request.state, "shipped")
    item = await item_by_id(conn, request.item_id)
    now = clock.now()
    shipped = await update_lent(
        conn, request_id, now, state="shipped", due_on=due_date(policy, item.material, clock.today())
    )
    await enqueue_message(
        conn, now, request.borrower_library, "item_shipped", PeerMessage(request_id=request_id, due_on=shipped.due_on)
    )
    return shipped


async def refuse(
    conn: DbConnection, policy: LibraryPolicy, clock: Clock, request_id: uuid.UUID, reason: str
) -> LentRequest:
    """Staff cannot fill the request (the copy is missing, damaged, …): it ends, and the borrower is told."""
    request = await lent(conn, request_id, for_update=True)
    require_cancellable(request.state)
    now = clock.now()
    cancelled = await update_lent(
        conn, request_id, now, state="cancelled", cancelled_by="staff", cancel_reason=reason, finished_at=now
    )
    await enqueue_message(
        conn, now, request.borrower_library, "request_cancelled", PeerMessage(request_id=request_id, reason=reason)
    )
    await _free_copy(conn, policy, clock, request.item_id)
    return cancelled


async def _free_copy(conn: DbConnection, policy: LibraryPolicy, clock: Clock, item_id: int) -> None:
    """The copy is ours again: the first reservation here gets it (the item is locked by the caller's request)."""
    await hold_for_next_in_queue(conn, policy, clock, await item_by_id(conn, item_id))


async def receive_back(conn: DbConnection, policy: LibraryPolicy, clock: Clock, request_id: uuid.UUID) -> LentRequest:
    """The copy is home: the request ends, the borrower is told, and the next reservation here gets it."""
    request = await lent(conn, request_id, for_update=True)
    require_move(LENDING_MOVES, request.state, "completed")
    now = clock.now()
    completed = await update_lent(conn, request_id, now, state="completed", finished_at=now)
    await enqueue_message(conn, now, request.borrower_library, "item_received_back", PeerMessage(request_id=request_id))
    await _free_copy(conn, policy, clock, request.item_id)
    return completed


async def apply_from_borrower(
    conn: DbConnection,
    policy: LibraryPolicy,
    clock: Clock,
    *,
    borrower_library: str,
    operation: str,
    message: PeerMessage,
) -> PeerAnswer:
    """Apply the borrowing library's message; late, repeated or out-of-order messages change nothing."""
    now = clock.now()
    if operation == "request_item":
        return await accept_request(conn, policy, now, borrower_library, message)
    request = await lent(conn, message.request_id, for_update=True)
    if request.borrower_library != borrower_library:
        raise DomainError(ErrorKind.NOT_FOUND, "interlibrary_request_not_found", "no such interlibrary request")
    if operation == "cancel_request" and request.state != "cancelled":
        require_cancellable(request.state)
        request = await update_lent(
            conn, request.request_id, now, state="cancelled", cancelled_by="borrower", cancel_reason="withdrawn",
            finished_at=now,
        )  # fmt: skip
        await _free_copy(conn, policy, clock, request.item_id)
    elif operation == "item_received" and is_ahead(LENDING_ORDER, request.state, "received"):
        request = await update_lent(conn, request.request_id, now, state="received")
    elif operation == "item_shipped_back" and is_ahead(LENDING_ORDER, request.state, "shipped_back"):
        request = await update_lent(conn, request.request_id, now, state="shipped_back")
    return _answer(request)


async def renew_for_borrower(
    conn: DbConnection, policy: LibraryPolicy, clock: Clock, borrower_library: str, ask: RenewalAsk
) -> PeerAnswer:
    """Renew the copy's loan to the borrowing library under our rules; asking again for the same renewal
    (a retry after a lost answer) gets the same due date."""
    request = await lent(conn, ask.request_id, for_update=True)
    if request.borrower_library != borrower_library:
        raise DomainError(ErrorKind.NOT_FOUND, "interlibrary_request_not_found", "no such interlibrary request")
    if ask.renewals < request.renewals:
        return _answer(request)
    if request.state not in ("shipped", "received") or request.due_on is None:
        raise DomainError(ErrorKind.CONFLICT, "interlibrary_state_conflict", "only a copy out on loan can be renewed")
    item = await item_by_id(conn, request.item_id)
    waiting = bool(await open_reservations_of_item(conn, request.item_id))
    decision = renewal_decision(policy, item.material, request.renewals, someone_waiting=waiting, item_reserved=waiting)
    if not decision.allowed:
        assert decision.reason is not None
        raise DomainError(ErrorKind.CONFLICT, decision.reason, "the owning library does not renew this loan")
    new_due = max(request.due_on, due_date(policy, item.material, clock.today()))
    return _answer(await update_lent(conn, ask.request_id, clock.now(), due_on=new_due, renewals=request.renewals + 1))


async def settle_answer_from_borrower(
    conn: DbConnection, now: datetime, queued: QueuedMessage, answer: PeerAnswer | PeerRefusedError
) -> None:
    """The borrower's answers to our messages change nothing here; a refusal waits for staff."""
    del conn, now
    if isinstance(answer, PeerRefusedError):
        raise NeedsStaff(answer.code)
    del queued
