"""The KID shows where the patron (Min side) and staff (the desk's patron panel) see the replacement claim."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from playwright.async_api import Browser, expect

from local_library.circulation.overdue import raise_claim
from local_library.circulation.queries import update_loan
from local_library.invoices.invoices import record_payment
from tests.accessibility import look_at
from tests.desk.conftest import Staff, staff
from tests.desk.test_desk_circulation import logged_in, scan
from tests.library.conftest import GOOD_PIN
from tests.minside.conftest import Node, Shelf, node, shelf

__all__ = ["node", "shelf", "staff"]

ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artefacts" / "minside"


async def claim_the_book(node: Node, shelf: Shelf) -> str:
    async with node.pool.acquire() as conn, conn.transaction():
        yesterday = node.clock.today() - timedelta(days=1)
        await update_loan(
            conn, shelf.book_loan.loan_id, reminders_sent=node.policy.reminders.count, last_reminder_on=yesterday
        )
        await raise_claim(conn, node.policy, node.clock, shelf.book_loan.loan_id)
        kid: str = await conn.fetchval("SELECT kid FROM invoices WHERE patron_id = $1", shelf.patron.patron_id)
        return kid


async def test_the_patron_sees_the_kid_and_what_is_left_to_pay_on_min_side(node: Node, shelf: Shelf) -> None:
    kid = await claim_the_book(node, shelf)
    async with node.pool.acquire() as conn, conn.transaction():
        await record_payment(
            conn, node.policy.invoices, kid, payment_reference="bank-9", amount_ore=10000, paid_on=node.clock.today()
        )
    async with node.client() as client:
        login_page = await (await client.get("/minside?lang=nb")).text()
        csrf = login_page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        form = {"csrf": csrf, "lang": "nb", "card_number": shelf.card_number, "pin": GOOD_PIN}
        overview = await (await client.post("/minside/login", data=form)).text()
        my_data = await (await client.get("/minside/my-data?lang=nb")).text()
    assert "<h2>Erstatningsfakturaer</h2>" in overview
    assert "betaler du bare for resten" not in overview  # Asker refunds nothing that turns up
    # Asker: an adult book is claimed at NOK 450; 100 paid with the KID, 350 left.
    row = overview.split(f'<th scope="row" class="kid">{kid}</th>', 1)[1].split("</tr>", 1)[0]
    assert [cell.split("</td>")[0] for cell in row.split("<td>")[1:]] == [
        "03.03.2025", "kr 450,00", "kr 100,00", "kr 350,00", "kr 0,00",
    ]  # fmt: skip
    assert f"Erstatning (KID {kid})" in overview
    # What the library keeps about the patron includes the payments, with the bank's reference.
    assert "<caption>Innbetalinger med KID</caption>" in my_data
    assert f'<th scope="row" class="kid">{kid}</th><td>bank-9</td><td>03.03.2025</td><td>kr 100,00</td>' in my_data


async def test_staff_see_the_kid_on_the_desk(node: Node, staff: Staff, shelf: Shelf) -> None:
    kid = await claim_the_book(node, shelf)
    async with node.client() as client:
        page = await scan(client, await logged_in(client, staff), shelf.card_number)
    assert f'<th scope="row" class="kid">{kid}</th>' in page
    assert f"Erstatning (KID {kid})" in page


async def test_the_invoice_on_a_phone(browser: Browser, node: Node, shelf: Shelf) -> None:
    kid = await claim_the_book(node, shelf)
    context = await browser.new_context(
        ignore_https_errors=True, locale="nb-NO", viewport={"width": 360, "height": 740}, is_mobile=True
    )
    try:
        page = await context.new_page()
        await page.goto(node.url + "/minside?lang=nb")
        await page.get_by_label("Lånekortnummer").fill(shelf.card_number)
        await page.get_by_label("PIN-kode (4 siffer)").fill(GOOD_PIN)
        await page.get_by_role("button", name="Logg inn").click()
        invoices = page.get_by_role("table", name="Erstatningsfakturaer")
        await expect(invoices.get_by_role("row", name=kid)).to_contain_text("kr 450,00")
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        await look_at(page, "minside", "overview-invoice-phone")
    finally:
        await context.close()
