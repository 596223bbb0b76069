"""Lending scenarios from Asker's and Sandnes' rules, against a real database."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import asyncpg
import pytest

from local_library.circulation.fees import fees_of_patron
from local_library.circulation.lending import check_out, renew, return_item
from local_library.circulation.overdue import raise_claim, send_due_reminders
from local_library.circulation.reservations import expire_pickups, reserve
from local_library.clock import FixedClock
from local_library.patrons.cards import set_blocked_by_staff
from local_library.patrons.models import Patron
from local_library.patrons.queries import patron_by_id
from local_library.policy import LibraryPolicy
from plumbing.db.types import DbConnection
from plumbing.errors import DomainError
from registry_contract.pins import PinHasher
from tests.library.conftest import add_item, add_patron


def card(patron: Patron) -> str:
    assert patron.card_number is not None
    return patron.card_number


async def test_at_asker_a_film_is_due_in_7_days_and_a_quick_loan_book_in_10(
    conn: DbConnection, asker_policy: LibraryPolicy, clock: FixedClock, hasher: PinHasher
) -> None:
    patron = await add_patron(conn, asker_policy, clock, hasher)
    film = await add_item(conn, "film")
    quick = await add_item(conn, "quick_loan_book")
    book = await add_item(conn, "book")

    today = clock.today()
    assert (await check_out(conn, asker_policy, clock, card(patron), film.barcode)).due_on == today + timedelta(7)
    assert (await check_out(conn, asker_policy, clock, card(patron), quick.barcode)).due_on == today + timedelta(10)
    assert (await check_out(conn, asker_policy, clock, card(patron), book.barcode)).due_on == today + timedelta(28)


async def test_at_asker_a_quick_loan_cannot_be_reserved(
    conn: DbConnection, asker_policy: LibraryPolicy, clock: FixedClock, hasher: PinHasher
) -> None:
    borrower = await add_patron(conn, asker_policy, clock, hasher)
    waiting = await add_patron(conn, asker_policy, clock, hasher)
    quick = await add_item(conn, "quick_loan_book")
    await check_out(conn, asker_policy, clock, card(borrower), quick.barcode)
    with pytest.raises(DomainError) as refused:
        await reserve(conn, asker_policy, clock, card(waiting), quick.barcode)
    assert refused.value.code == "not_reservable"


async def test_at_sandnes_a_fourth_renewal_is_refused(
    conn: DbConnection, sandnes_policy: LibraryPolicy, clock: FixedClock, hasher: PinHasher
) -> None:
    patron = await add_patron(conn, sandnes_policy, clock, hasher)
    book = await add_item(conn, "book")
    loan = await check_out(conn, sandnes_policy, clock, card(patron), book.barcode)
    for renewal in range(1, 4):
        clock.advance(days=20)
        renewed = await renew(conn, sandnes_policy, clock, loan.loan_id)
        assert (renewed.renewals, renewed.due_on) == (renewal, clock.today() + timedelta(28))
    with pytest.raises(DomainError) as refused:
        await renew(conn, sandnes_policy, clock, loan.loan_id)
    assert refused.value.code == "renewal_limit_reached"


async def test_at_sandnes_a_reserved_loan_cannot_be_renewed(
    conn: DbConnection, sandnes_policy: LibraryPolicy, clock: FixedClock, hasher: PinHasher
) -> None:
    borrower = await add_patron(conn, sandnes_policy, clock, hasher)
    waiting = await add_patron(conn, sandnes_policy, clock, hasher)
    book = await add_item(conn, "book")
    loan = await check_out(conn, sandnes_policy, clock, card(borrower), book.barcode)
    await reserve(conn, sandnes_policy, clock, card(waiting), book.barcode)
    with pytest.raises(DomainError) as refused:
        await renew(conn, sandnes_policy, clock, loan.loan_id)
    assert refused.value.code == "reserved_by_another"


async def test_at_sandnes_the_third_reminder_blocks_the_card_and_a_claim_follows(
    conn: DbConnection, sandnes_policy: LibraryPolicy, clock: FixedClock, hasher: PinHasher
) -> None:
    patron = await add_patron(conn, sandnes_policy, clock, hasher)
    book = await add_item(conn, "book", purchase_price_ore=39900)
    other = await add_item(conn, "book")
    loan = await check_out(conn, sandnes_policy, clock, card(patron), book.barcode)

    blocked_after: list[int] = []
    for reminder in (1, 2, 3):
        clock.advance(days=28 + 7 if reminder == 1 else 7)
        result = await send_due_reminders(conn, sandnes_policy, clock, loan.loan_id)
        assert result.reminders_sent_now == 1
        if result.card_blocked_now:
            blocked_after.append(reminder)
    assert blocked_after == [3]
    assert (await patron_by_id(conn, patron.patron_id)).blocked_reason == "reminders"
    with pytest.raises(DomainError) as refused:
        await check_out(conn, sandnes_policy, clock, card(patron), other.barcode)
    assert refused.value.code == "card_blocked"

    assert await raise_claim(conn, sandnes_policy, clock, loan.loan_id) is None  # not on the reminder's own day
    clock.advance(days=1)
    claim = await raise_claim(conn, sandnes_policy, clock, loan.loan_id)
    assert claim is not None
    assert (claim.basis, claim.replacement_ore, claim.fees_ore) == ("purchase_price", 39900, 3000 + 5000 + 7000)
    assert await raise_claim(conn, sandnes_policy, clock, loan.loan_id) is None
    fees = await fees_of_patron(conn, patron.patron_id)
    assert sorted((fee.kind, fee.amount_ore) for fee in fees) == [
        ("reminder", 3000),
        ("reminder", 5000),
        ("reminder", 7000),
        ("replacement", 39900),
    ]

    # The item turns up: the card opens again, and Sandnes does not refund the replacement.
    returned = await return_item(conn, sandnes_policy, clock, book.barcode)
    assert not returned.replacement_refunded
    assert not (await patron_by_id(conn, patron.patron_id)).blocked
    assert {fee.status for fee in await fees_of_patron(conn, patron.patron_id)} == {"open"}


async def test_a_reservation_is_held_with_a_reference_number_and_expires_after_5_days_at_asker(
    conn: DbConnection, asker_policy: LibraryPolicy, clock: FixedClock, hasher: PinHasher
) -> None:
    borrower = await add_patron(conn, asker_policy, clock, hasher)
    first = await add_patron(conn, asker_policy, clock, hasher)
    second = await add_patron(conn, asker_policy, clock, hasher)
    book = await add_item(conn, "book")
    await check_out(conn, asker_policy, clock, card(borrower), book.barcode)
    first_reservation = await reserve(conn, asker_policy, clock, card(first), book.barcode)
    await reserve(conn, asker_policy, clock, card(second), book.barcode)
    assert first_reservation.status == "waiting"

    clock.advance(days=3)
    returned = await return_item(conn, asker_policy, clock, book.barcode)
    held = returned.held_for
    assert held is not None
    assert held.patron_id == first.patron_id
    assert held.pickup_deadline == clock.today() + timedelta(days=5)
    assert held.reference_number
    notice = await conn.fetchrow("SELECT channel, payload FROM notices WHERE kind = 'pickup'")
    assert notice is not None
    assert json.loads(notice["payload"])["reference_number"] == held.reference_number
    assert notice["channel"] == "email"

    with pytest.raises(DomainError) as refused:
        await check_out(conn, asker_policy, clock, card(second), book.barcode)
    assert refused.value.code == "held_for_another"

    clock.advance(days=5)
    assert await expire_pickups(conn, asker_policy, clock) == []
    clock.advance(days=1)
    assert await expire_pickups(conn, asker_policy, clock) == [held.reservation_id]
    passed_on = await conn.fetchrow("SELECT patron_id, reference_number FROM reservations WHERE status = 'ready'")
    assert passed_on is not None
    assert passed_on["patron_id"] == second.patron_id
    assert passed_on["reference_number"] != held.reference_number
    loan = await check_out(conn, asker_policy, clock, card(second), book.barcode)
    assert loan.patron_id == second.patron_id
    assert await conn.fetchval("SELECT status FROM reservations WHERE patron_id = $1", second.patron_id) == "collected"


async def test_an_item_on_the_shelf_is_held_at_once(
    conn: DbConnection, asker_policy: LibraryPolicy, clock: FixedClock, hasher: PinHasher
) -> None:
    patron = await add_patron(conn, asker_policy, clock, hasher)
    book = await add_item(conn, "book")
    reservation = await reserve(conn, asker_policy, clock, card(patron), book.barcode)
    assert reservation.status == "ready"
    with pytest.raises(DomainError) as twice:
        await reserve(conn, asker_policy, clock, card(patron), book.barcode)
    assert twice.value.code == "already_reserved"


async def test_a_blocked_card_cannot_borrow(
    conn: DbConnection, asker_policy: LibraryPolicy, clock: FixedClock, hasher: PinHasher
) -> None:
    patron = await add_patron(conn, asker_policy, clock, hasher)
    book = await add_item(conn, "book")
    await set_blocked_by_staff(conn, patron.patron_id, blocked=True)
    with pytest.raises(DomainError) as refused:
        await check_out(conn, asker_policy, clock, card(patron), book.barcode)
    assert refused.value.code == "card_blocked"


async def test_an_item_on_loan_cannot_be_lent_or_returned_twice(
    conn: DbConnection, asker_policy: LibraryPolicy, clock: FixedClock, hasher: PinHasher
) -> None:
    patron = await add_patron(conn, asker_policy, clock, hasher)
    book = await add_item(conn, "book")
    await check_out(conn, asker_policy, clock, card(patron), book.barcode)
    with pytest.raises(DomainError) as lent:
        await check_out(conn, asker_policy, clock, card(patron), book.barcode)
    assert lent.value.code == "item_on_loan"
    await return_item(conn, asker_policy, clock, book.barcode)
    with pytest.raises(DomainError) as returned:
        await return_item(conn, asker_policy, clock, book.barcode)
    assert returned.value.code == "item_not_on_loan"


async def test_two_checkouts_of_one_item_at_once_make_exactly_one_loan(
    pool: asyncpg.Pool, asker_policy: LibraryPolicy, clock: FixedClock, hasher: PinHasher
) -> None:
    async with pool.acquire() as setup:
        first = await add_patron(setup, asker_policy, clock, hasher)
        second = await add_patron(setup, asker_policy, clock, hasher)
        book = await add_item(setup, "book")

    async def lend_to(patron: Patron) -> str:
        async with pool.acquire() as conn, conn.transaction():
            try:
                await check_out(conn, asker_policy, clock, card(patron), book.barcode)
            except DomainError as error:
                return error.code
            return "lent"

    outcomes = await asyncio.gather(lend_to(first), lend_to(second))
    assert sorted(outcomes) == ["item_on_loan", "lent"]
    assert await pool.fetchval("SELECT count(*) FROM loans WHERE item_id = $1", book.item_id) == 1


async def test_a_renewal_that_would_not_move_the_due_date_is_refused_and_not_counted(
    conn: DbConnection, sandnes_policy: LibraryPolicy, clock: FixedClock, hasher: PinHasher
) -> None:
    """Renewing on the day of the loan gives the same due date: refused with its own reason, no renewal used."""
    patron = await add_patron(conn, sandnes_policy, clock, hasher)
    book = await add_item(conn, "book")
    loan = await check_out(conn, sandnes_policy, clock, card(patron), book.barcode)
    with pytest.raises(DomainError) as refused:
        await renew(conn, sandnes_policy, clock, loan.loan_id)
    assert refused.value.code == "renewal_changes_nothing"
    clock.advance(days=1)
    renewed = await renew(conn, sandnes_policy, clock, loan.loan_id)
    assert (renewed.renewals, renewed.due_on) == (1, loan.due_on + timedelta(days=1))
