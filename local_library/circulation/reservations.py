"""Reservations: a queue per item, the pickup shelf with its deadline and reference number, and expiry.

An item returned while someone waits goes to the pickup shelf for the first in the queue, who gets a pickup
notice; if they do not come by the deadline the hold expires and the item passes to the next in line.
"""

from __future__ import annotations

from uuid import UUID

import asyncpg

from local_library.catalogue.models import Item
from local_library.catalogue.queries import item_by_barcode, item_by_id
from local_library.clock import Clock
from local_library.interlibrary.queries import item_out_on_interlibrary_loan
from local_library.notices.outbox import enqueue_notice
from local_library.patrons.queries import patron_by_card, patron_by_id
from local_library.policy import LibraryPolicy, can_reserve, pickup_deadline
from plumbing.db.types import DbConnection
from plumbing.errors import DomainError, ErrorKind

from .models import Reservation
from .queries import (
    close_reservation,
    insert_reservation,
    lock_open_loan,
    mark_ready,
    next_pickup_reference,
    open_reservations_of_item,
    overdue_pickup_item_ids,
    reservation_by_id,
)


async def reserve(
    conn: DbConnection, policy: LibraryPolicy, clock: Clock, card_number: str, barcode: str
) -> Reservation:
    """Place ``card_number`` in the queue for ``barcode``; an item on the shelf is held at once."""
    patron = await patron_by_card(conn, card_number)
    if patron.blocked:
        raise DomainError(ErrorKind.FORBIDDEN, "card_blocked", "this card is blocked; ask at the desk")
    item = await item_by_barcode(conn, barcode, for_update=True)
    if not can_reserve(policy, item.material):
        name = policy.material(item.material).name.en.lower()
        raise DomainError(ErrorKind.CONFLICT, "not_reservable", f"{name} cannot be reserved at this library")
    loan = await lock_open_loan(conn, item.item_id)
    if loan is not None and loan.patron_id == patron.patron_id:
        raise DomainError(ErrorKind.CONFLICT, "already_borrowed", "the patron has this item on loan already")
    try:
        async with conn.transaction():  # a savepoint, so the duplicate can be reported without aborting
            reservation_id = await insert_reservation(conn, item.item_id, patron.patron_id, clock.now())
    except asyncpg.UniqueViolationError:
        raise DomainError(ErrorKind.CONFLICT, "already_reserved", "the patron has reserved this item already") from None
    if loan is None and not await item_out_on_interlibrary_loan(conn, item.item_id):
        await hold_for_next_in_queue(conn, policy, clock, item)  # a copy away at another library waits for its return
    return await reservation_by_id(conn, reservation_id)


async def hold_for_next_in_queue(
    conn: DbConnection, policy: LibraryPolicy, clock: Clock, item: Item
) -> Reservation | None:
    """Put an available item on the pickup shelf for the first waiting patron and queue their pickup notice."""
    queue = await open_reservations_of_item(conn, item.item_id)
    if not queue or queue[0].status == "ready":
        return queue[0] if queue else None
    first = queue[0]
    today = clock.today()
    reference = await next_pickup_reference(conn) if policy.reservations.pickup_reference_number else None
    held = await mark_ready(conn, first.reservation_id, today, pickup_deadline(policy, today), reference)
    patron = await patron_by_id(conn, first.patron_id)
    await enqueue_notice(
        conn,
        clock,
        dedupe_key=f"pickup:{held.reservation_id}",
        patron=patron,
        kind="pickup",
        allowed_channels=policy.reservations.pickup_notice_channels,
        content={
            "title": item.title,
            "barcode": item.barcode,
            "reference_number": held.reference_number,
            "pickup_deadline": held.pickup_deadline,
            "library": policy.name.en,
        },
    )
    return held


async def cancel_reservation(
    conn: DbConnection, policy: LibraryPolicy, clock: Clock, reservation_id: int, *, patron_id: UUID | None = None
) -> Reservation:
    """Withdraw a reservation (by the patron, or by staff when ``patron_id`` is None); a held item passes on."""
    reservation = await reservation_by_id(conn, reservation_id, for_update=True)
    if patron_id is not None and reservation.patron_id != patron_id:
        raise DomainError(ErrorKind.NOT_FOUND, "reservation_not_found", "no such reservation")
    if reservation.status not in ("waiting", "ready"):
        raise DomainError(ErrorKind.CONFLICT, "reservation_closed", f"the reservation is {reservation.status} already")
    await close_reservation(conn, reservation_id, "cancelled", clock.today())
    if reservation.status == "ready":
        await hold_for_next_in_queue(conn, policy, clock, await item_by_id(conn, reservation.item_id))
    return await reservation_by_id(conn, reservation_id)


async def expire_pickups(conn: DbConnection, policy: LibraryPolicy, clock: Clock) -> list[int]:
    """Close holds past their pickup deadline and pass each item to the next in line; the expired ids."""
    expired = []
    for reservation_id, item_id in await overdue_pickup_item_ids(conn, clock.today()):
        await close_reservation(conn, reservation_id, "expired", clock.today())
        await hold_for_next_in_queue(conn, policy, clock, await item_by_id(conn, item_id))
        expired.append(reservation_id)
    return expired
