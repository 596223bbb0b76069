"""``/api/staff/invoices/{kid}``: the statement and payments over the staff API, refusals as problem+json."""

from __future__ import annotations

from datetime import timedelta

from local_library import app_keys
from local_library.circulation.lending import check_out
from local_library.circulation.overdue import raise_claim
from local_library.circulation.queries import update_loan
from local_library.clock import FixedClock
from registry_contract.pins import PinHasher
from tests.library.conftest import add_item, add_patron
from tests.library.test_circulation import card
from tests.library.test_staff_api import Client, call, client, staff_tokens

__all__ = ["client"]


async def test_staff_see_the_kid_and_record_a_payment_once(
    client: tuple[Client, FixedClock], hasher: PinHasher
) -> None:
    http, clock = client
    app = http.app
    policy = app[app_keys.POLICY]
    async with app[app_keys.POOL].acquire() as conn, conn.transaction():
        patron = await add_patron(conn, policy, clock, hasher)
        item = await add_item(conn, "film", purchase_price_ore=19900)
        loan = await check_out(conn, policy, clock, card(patron), item.barcode)
        yesterday = clock.today() - timedelta(days=1)
        await update_loan(conn, loan.loan_id, reminders_sent=policy.reminders.count, last_reminder_on=yesterday)
        await raise_claim(conn, policy, clock, loan.loan_id)
    _, desk = await staff_tokens(http)

    (statement,) = await call(http, "GET", f"/api/staff/patrons/{patron.patron_id}/invoices", token=desk)
    kid = statement["invoice"]["kid"]
    assert statement["fees"][0]["kid"] == kid
    assert statement["outstanding_ore"] == 25000
    account = await call(http, "GET", f"/api/staff/patrons/{patron.patron_id}", token=desk)
    assert [fee["kid"] for fee in account["fees"]] == [kid]

    payment = {"payment_reference": "ocr-1", "amount_ore": 25000, "paid_on": "2025-03-03"}
    first = await call(http, "POST", f"/api/staff/invoices/{kid}/payments", token=desk, json=payment, expect=201)
    again = await call(http, "POST", f"/api/staff/invoices/{kid}/payments", token=desk, json=payment, expect=200)
    assert (first["recorded"], again["recorded"]) == (True, False)
    assert again["statement"]["outstanding_ore"] == 0
    assert (await call(http, "GET", f"/api/staff/invoices/{kid}", token=desk))["paid_ore"] == 25000

    other = {**payment, "amount_ore": 100}
    reused = await call(http, "POST", f"/api/staff/invoices/{kid}/payments", token=desk, json=other, expect=409)
    assert reused["code"] == "payment_reference_reused"
    wrong = kid[:-1] + str((int(kid[-1]) + 1) % 10)
    for bad in (wrong, "12345", "x" * 13):
        refused = await call(http, "POST", f"/api/staff/invoices/{bad}/payments", token=desk, json=payment, expect=422)
        assert refused["code"] == "kid_invalid"
        assert (await call(http, "GET", f"/api/staff/invoices/{bad}", token=desk, expect=422))["code"] == "kid_invalid"
    no_amount = {**payment, "amount_ore": 0}
    await call(http, "POST", f"/api/staff/invoices/{kid}/payments", token=desk, json=no_amount, expect=422)
