"""Replacement invoices with a KID: one per patron per day of claims, partial payments, credits, once only."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

import asyncpg
import pytest

from local_library.circulation.fees import fees_of_patron, set_fee_status
from local_library.circulation.lending import check_out, return_item
from local_library.circulation.models import Loan
from local_library.circulation.overdue import raise_claim
from local_library.circulation.queries import update_loan
from local_library.clock import FixedClock
from local_library.invoices.invoices import (
    INVOICE_NOT_FOUND,
    PAYMENT_REFERENCE_REUSED,
    record_payment,
    statement_by_kid,
    statements_of_patron,
)
from local_library.invoices.kid import KID_INVALID, invoice_number_of, is_valid_kid, mod11_check_digit
from local_library.patrons.models import Patron
from local_library.policy import LibraryPolicy
from local_library.registry_link.follower import erase_local_patron
from plumbing.db.types import DbConnection
from plumbing.errors import DomainError
from registry_contract.pins import PinHasher
from tests.library.conftest import add_item, add_patron
from tests.library.test_circulation import card

PAID_ON = date(2025, 5, 1)


def with_refund(policy: LibraryPolicy) -> LibraryPolicy:
    """The library's rules changed to refund a replacement when the item turns up (neither built-in one does)."""
    return policy.model_copy(update={"claims": policy.claims.model_copy(update={"refund_if_found": True})})


def with_mod11(policy: LibraryPolicy) -> LibraryPolicy:
    return policy.model_copy(update={"invoices": policy.invoices.model_copy(update={"kid_check": "mod11"})})


async def overdue_loan(
    conn: DbConnection, policy: LibraryPolicy, clock: FixedClock, patron: Patron, material: str, price: int
) -> Loan:
    """A loan whose reminders have all gone out (yesterday): the claim is due today."""
    item = await add_item(conn, material, purchase_price_ore=price)
    loan = await check_out(conn, policy, clock, card(patron), item.barcode)
    yesterday = clock.today() - timedelta(days=1)
    return await update_loan(conn, loan.loan_id, reminders_sent=policy.reminders.count, last_reminder_on=yesterday)


async def claimed(conn: DbConnection, policy: LibraryPolicy, clock: FixedClock, loan: Loan) -> None:
    async with conn.transaction():
        assert await raise_claim(conn, policy, clock, loan.loan_id) is not None


async def pay(conn: DbConnection, policy: LibraryPolicy, kid: str, reference: str, amount: int) -> Any:
    async with conn.transaction():
        return await record_payment(
            conn, policy.invoices, kid, payment_reference=reference, amount_ore=amount, paid_on=PAID_ON
        )


async def test_the_claims_of_one_day_share_one_kid_and_a_patron_pays_for_what_they_did_not_return(
    conn: DbConnection, asker_policy: LibraryPolicy, clock: FixedClock, hasher: PinHasher
) -> None:
    policy = with_refund(asker_policy)
    patron = await add_patron(conn, policy, clock, hasher)
    film = await overdue_loan(conn, policy, clock, patron, "film", 19900)  # Asker: DVD NOK 250
    music = await overdue_loan(conn, policy, clock, patron, "music", 9900)  # Asker: CD NOK 200
    await claimed(conn, policy, clock, film)
    await claimed(conn, policy, clock, music)

    fees = await fees_of_patron(conn, patron.patron_id)
    kids = {fee.kid for fee in fees}
    assert len(kids) == 1
    (kid,) = kids
    assert kid is not None
    assert len(kid) == 13
    assert kid.startswith("3203")
    assert is_valid_kid(kid, "mod10")
    statement = await statement_by_kid(conn, policy.invoices, kid)
    assert (statement.charged_ore, statement.outstanding_ore) == (25000 + 20000, 45000)

    # The film turns up: under these rules its replacement is refunded, and the invoice asks for the CD only.
    async with conn.transaction():
        await return_item(conn, policy, clock, film.barcode)
    statement = await statement_by_kid(conn, policy.invoices, kid)
    assert (statement.charged_ore, statement.outstanding_ore) == (20000, 20000)

    paid = await pay(conn, policy, kid, "ocr-2025-05-01-0001", 20000)
    assert paid.recorded
    assert (paid.statement.outstanding_ore, paid.statement.credit_ore) == (0, 0)
    statuses = {fee.loan_id: fee.status for fee in await fees_of_patron(conn, patron.patron_id)}
    assert statuses == {film.loan_id: "refunded", music.loan_id: "paid"}


async def test_part_payments_add_up_and_an_item_found_after_payment_is_a_credit(
    conn: DbConnection, asker_policy: LibraryPolicy, clock: FixedClock, hasher: PinHasher
) -> None:
    policy = with_refund(asker_policy)
    patron = await add_patron(conn, policy, clock, hasher)
    film = await overdue_loan(conn, policy, clock, patron, "film", 19900)
    music = await overdue_loan(conn, policy, clock, patron, "music", 9900)
    await claimed(conn, policy, clock, film)
    await claimed(conn, policy, clock, music)
    (kid,) = {fee.kid for fee in await fees_of_patron(conn, patron.patron_id)}
    assert kid is not None

    first = await pay(conn, policy, kid, "bank-1", 15000)
    assert (first.statement.paid_ore, first.statement.outstanding_ore) == (15000, 30000)
    assert {fee.status for fee in first.statement.fees} == {"open"}
    second = await pay(conn, policy, kid, "bank-2", 30000)
    assert (second.statement.outstanding_ore, second.statement.credit_ore) == (0, 0)
    assert {fee.status for fee in second.statement.fees} == {"paid"}

    async with conn.transaction():
        await return_item(conn, policy, clock, music.barcode)
    (statement,) = await statements_of_patron(conn, patron.patron_id)
    assert (statement.charged_ore, statement.outstanding_ore, statement.credit_ore) == (25000, 0, 20000)


async def test_without_a_refund_rule_a_returned_item_still_counts(
    conn: DbConnection, asker_policy: LibraryPolicy, clock: FixedClock, hasher: PinHasher
) -> None:
    assert not asker_policy.claims.refund_if_found  # Asker: "Erstatningsbeløpet blir ikke refundert ..."
    patron = await add_patron(conn, asker_policy, clock, hasher)
    film = await overdue_loan(conn, asker_policy, clock, patron, "film", 19900)
    await claimed(conn, asker_policy, clock, film)
    (kid,) = {fee.kid for fee in await fees_of_patron(conn, patron.patron_id)}
    assert kid is not None
    async with conn.transaction():
        await return_item(conn, asker_policy, clock, film.barcode)
    assert (await statement_by_kid(conn, asker_policy.invoices, kid)).outstanding_ore == 25000


async def test_a_payment_is_recorded_once_and_its_reference_cannot_be_reused(
    conn: DbConnection, asker_policy: LibraryPolicy, clock: FixedClock, hasher: PinHasher
) -> None:
    patron = await add_patron(conn, asker_policy, clock, hasher)
    await claimed(conn, asker_policy, clock, await overdue_loan(conn, asker_policy, clock, patron, "film", 19900))
    (kid,) = {fee.kid for fee in await fees_of_patron(conn, patron.patron_id)}
    assert kid is not None

    first = await pay(conn, asker_policy, kid, "ocr-archive-77", 10000)
    again = await pay(conn, asker_policy, kid, "ocr-archive-77", 10000)
    assert (first.recorded, again.recorded) == (True, False)
    assert again.statement.paid_ore == 10000
    with pytest.raises(DomainError) as reused:
        await pay(conn, asker_policy, kid, "ocr-archive-77", 5000)
    assert reused.value.code == PAYMENT_REFERENCE_REUSED
    assert (await statement_by_kid(conn, asker_policy.invoices, kid)).paid_ore == 10000


async def test_bad_and_unknown_kids_are_refused_with_their_codes(
    conn: DbConnection, asker_policy: LibraryPolicy, clock: FixedClock, hasher: PinHasher
) -> None:
    patron = await add_patron(conn, asker_policy, clock, hasher)
    await claimed(conn, asker_policy, clock, await overdue_loan(conn, asker_policy, clock, patron, "film", 19900))
    (kid,) = {fee.kid for fee in await fees_of_patron(conn, patron.patron_id)}
    assert kid is not None
    wrong_check = kid[:-1] + str((int(kid[-1]) + 1) % 10)
    for bad in (wrong_check, "1108" + kid[4:], kid + "0", "abc"):
        with pytest.raises(DomainError) as refused:
            await pay(conn, asker_policy, bad, "r-1", 100)
        assert refused.value.code == KID_INVALID
    unknown = kid[:4] + f"{invoice_number_of(kid, '3203', 'mod10') + 50:08d}"
    unknown += str(next(d for d in range(10) if is_valid_kid(unknown + str(d), "mod10")))
    with pytest.raises(DomainError) as missing:
        await statement_by_kid(conn, asker_policy.invoices, unknown)
    assert missing.value.code == INVOICE_NOT_FOUND


async def test_mod11_skips_an_invoice_number_that_would_need_check_digit_10(
    conn: DbConnection, sandnes_policy: LibraryPolicy, clock: FixedClock, hasher: PinHasher
) -> None:
    policy = with_mod11(sandnes_policy)
    unusable = next(n for n in range(1, 1000) if _needs_ten(f"{policy.invoices.kid_library_number}{n:08d}"))
    await conn.execute("SELECT setval('invoice_numbers', $1, false)", unusable)
    patron = await add_patron(conn, policy, clock, hasher)
    await claimed(conn, policy, clock, await overdue_loan(conn, policy, clock, patron, "book", 29900))
    (kid,) = {fee.kid for fee in await fees_of_patron(conn, patron.patron_id)}
    assert kid is not None
    assert is_valid_kid(kid, "mod11")
    assert invoice_number_of(kid, "1108", "mod11") == unusable + 1


def _needs_ten(body: str) -> bool:
    try:
        mod11_check_digit(body)
    except ValueError:
        return True
    return False


async def test_the_same_payment_sent_twice_at_once_is_recorded_once(
    pool: asyncpg.Pool, asker_policy: LibraryPolicy, clock: FixedClock, hasher: PinHasher
) -> None:
    async with pool.acquire() as conn:
        patron = await add_patron(conn, asker_policy, clock, hasher)
        await claimed(conn, asker_policy, clock, await overdue_loan(conn, asker_policy, clock, patron, "film", 1))
        (kid,) = {fee.kid for fee in await fees_of_patron(conn, patron.patron_id)}
    assert kid is not None

    async def send() -> bool:
        async with pool.acquire() as conn:
            return bool((await pay(conn, asker_policy, kid, "ocr-twice", 25000)).recorded)

    assert sorted(await asyncio.gather(send(), send())) == [False, True]
    async with pool.acquire() as conn:
        statement = await statement_by_kid(conn, asker_policy.invoices, kid)
    assert (statement.paid_ore, len(statement.payments)) == (25000, 1)


async def test_two_claims_raised_at_once_for_one_patron_share_the_days_invoice(
    pool: asyncpg.Pool, asker_policy: LibraryPolicy, clock: FixedClock, hasher: PinHasher
) -> None:
    async with pool.acquire() as conn:
        patron = await add_patron(conn, asker_policy, clock, hasher)
        loans = [await overdue_loan(conn, asker_policy, clock, patron, "film", 1) for _ in range(2)]

    async def claim_one(loan: Loan) -> None:
        async with pool.acquire() as conn:
            await claimed(conn, asker_policy, clock, loan)

    await asyncio.gather(*(claim_one(loan) for loan in loans))
    async with pool.acquire() as conn:
        kids = [fee.kid for fee in await fees_of_patron(conn, patron.patron_id)]
        (statement,) = await statements_of_patron(conn, patron.patron_id)
    assert len(kids) == 2
    assert set(kids) == {statement.invoice.kid}
    assert statement.charged_ore == 2 * 25000


async def test_a_claim_paid_at_the_desk_is_a_payment_on_its_invoice(
    conn: DbConnection, asker_policy: LibraryPolicy, clock: FixedClock, hasher: PinHasher
) -> None:
    patron = await add_patron(conn, asker_policy, clock, hasher)
    film = await overdue_loan(conn, asker_policy, clock, patron, "film", 1)
    music = await overdue_loan(conn, asker_policy, clock, patron, "music", 1)
    await claimed(conn, asker_policy, clock, film)
    await claimed(conn, asker_policy, clock, music)
    fees = {fee.loan_id: fee for fee in await fees_of_patron(conn, patron.patron_id)}
    kid = fees[film.loan_id].kid
    assert kid is not None

    for _ in range(2):  # pressed twice: paid once
        async with conn.transaction():
            await set_fee_status(conn, fees[film.loan_id].fee_id, "paid", today=clock.today())
    statement = await statement_by_kid(conn, asker_policy.invoices, kid)
    assert (statement.paid_ore, statement.outstanding_ore, statement.credit_ore) == (25000, 20000, 0)
    paid = await pay(conn, asker_policy, kid, "bank-rest", 20000)
    assert (paid.statement.outstanding_ore, paid.statement.credit_ore) == (0, 0)


async def test_erasing_a_patron_removes_their_invoices_and_payments(
    conn: DbConnection, asker_policy: LibraryPolicy, clock: FixedClock, hasher: PinHasher
) -> None:
    patron = await add_patron(conn, asker_policy, clock, hasher)
    await claimed(conn, asker_policy, clock, await overdue_loan(conn, asker_policy, clock, patron, "film", 1))
    (kid,) = {fee.kid for fee in await fees_of_patron(conn, patron.patron_id)}
    assert kid is not None
    await pay(conn, asker_policy, kid, "bank-before-erasure", 100)
    async with conn.transaction():
        await erase_local_patron(conn, patron.patron_id)
    assert await conn.fetchval("SELECT count(*) FROM invoices") == 0
    assert await conn.fetchval("SELECT count(*) FROM invoice_payments") == 0
