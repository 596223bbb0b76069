"""Min side in a real headless Chromium: a local-card patron at Asker logs in, renews, is refused, cancels,
reads what the library stores, switches to English and logs out; a wrong PIN is explained."""

from __future__ import annotations

from playwright.async_api import Browser, Page, expect

from tests.accessibility import look_at
from tests.library.conftest import GOOD_PIN
from tests.minside.conftest import Node, Shelf


async def _open(browser: Browser, node: Node) -> Page:
    # The node's certificate is from the project's private CA, which Chromium does not know; the TLS is real.
    context = await browser.new_context(ignore_https_errors=True, locale="nb-NO")
    page = await context.new_page()
    await page.goto(node.url + "/minside?lang=nb")
    return page


async def _log_in(page: Page, card_number: str, pin: str) -> None:
    await page.get_by_label("Lånekortnummer").fill(card_number)
    await page.get_by_label("PIN-kode (4 siffer)").fill(pin)
    await page.get_by_role("button", name="Logg inn").click()


async def _choose_the_pre_due_notice(page: Page) -> None:
    # Asker's e-mail before the due date, chosen by the patron on Min side ("gjør det selv på Min Side").
    await expect(
        page.get_by_role("table", name="Låneropplysninger").get_by_role("row", name="Varsel før forfall")
    ).to_contain_text("Nei")
    await page.get_by_label("Send meg e-post 3 dager før innleveringsfristen").check()
    await page.get_by_role("button", name="Lagre valgene").click()
    await expect(page.get_by_role("status")).to_have_text("Valgene dine er lagret.")
    await expect(
        page.get_by_role("table", name="Låneropplysninger").get_by_role("row", name="Varsel før forfall")
    ).to_contain_text("Ja")
    await expect(page.get_by_label("Send meg e-post 3 dager før innleveringsfristen")).to_be_checked()
    await look_at(page, "minside", "03b-choices-saved")


async def test_a_local_patron_renews_cancels_sees_their_data_and_logs_out(
    browser: Browser, node: Node, shelf: Shelf
) -> None:
    page = await _open(browser, node)
    await expect(page.get_by_role("heading", name="Logg inn på Min side")).to_be_visible()
    await _log_in(page, shelf.card_number, "9071")
    await expect(page.get_by_role("alert")).to_have_text("Feil lånekortnummer eller PIN-kode.")
    await look_at(page, "minside", "01-login-refused")

    await _log_in(page, shelf.card_number, GOOD_PIN)
    await expect(page.get_by_role("heading", name="Lånene mine", exact=True)).to_be_visible()
    loans = page.get_by_role("table", name="Lån")
    # Asker: books 28 days, films 7 days, from Monday 3 March 2025.
    await expect(loans.get_by_role("row", name="Sult")).to_contain_text("31.03.2025")
    await expect(loans.get_by_role("row", name="Kon-Tiki")).to_contain_text("10.03.2025")

    # Renewing on the day of the loan would not move the due date: refused, and no renewal used.
    await page.get_by_role("button", name="Forny «Sult»").click()
    await expect(page.get_by_role("alert")).to_have_text(
        "«Sult» kan ikke fornyes: en fornyelse i dag ville gitt samme frist. Prøv igjen nærmere fristen."
    )
    node.clock.advance(days=1)  # a day later (the session has ended meanwhile): the renewal moves the date
    await page.reload()
    await _log_in(page, shelf.card_number, GOOD_PIN)
    await page.get_by_role("button", name="Forny «Sult»").click()
    await expect(page.get_by_role("status")).to_have_text("«Sult» er fornyet. Ny frist: 01.04.2025.")
    await look_at(page, "minside", "02-loans-renewed")
    await expect(page.get_by_role("table", name="Lån").get_by_role("row", name="Sult")).to_contain_text("1")

    await page.get_by_role("button", name="Forny «Kon-Tiki»").click()
    await expect(page.get_by_role("alert")).to_have_text(
        "«Kon-Tiki» kan ikke fornyes: en annen låner har reservert det. Lever det innen fristen."
    )

    reservations = page.get_by_role("table", name="Reservasjoner")
    ready = reservations.get_by_role("row", name="Pelle og Proffen")
    await expect(ready).to_contain_text("Klar til henting")
    await expect(ready).to_contain_text(shelf.ready.reference_number or "missing")
    await expect(ready).to_contain_text("08.03.2025")  # Asker's pickup deadline: 5 days
    await expect(reservations.get_by_role("row", name="Markens grøde")).to_contain_text("I kø")
    await page.get_by_role("button", name="Avbestill «Markens grøde»").click()
    await expect(page.get_by_role("status")).to_have_text("Reservasjonen av «Markens grøde» er avbestilt.")
    await expect(page.get_by_role("table", name="Reservasjoner")).not_to_contain_text("Markens grøde")
    await expect(page.get_by_role("table", name="Gebyrer")).to_contain_text("kr 40,00")

    await page.get_by_role("link", name="Se alt biblioteket lagrer om deg").click()
    await expect(page.get_by_role("heading", name="Dette lagrer Askerbibliotekene om deg")).to_be_visible()
    await expect(page.get_by_role("table", name="Låneropplysninger")).to_contain_text("Kari Minside")
    await expect(page.get_by_role("table", name="Låneropplysninger")).to_contain_text("Lokalt lånekort")
    await expect(page.get_by_role("table", name="Alle lån, også leverte")).to_contain_text("Victoria")
    await expect(page.get_by_role("table", name="Alle reservasjoner")).to_contain_text("Avbestilt")
    await expect(page.get_by_role("table", name="Varsler vi har sendt eller skal sende")).to_contain_text(
        "Lånekvittering"
    )
    await look_at(page, "minside", "03-my-data")
    await _choose_the_pre_due_notice(page)

    await page.get_by_role("link", name="English").click()
    await expect(page.get_by_role("heading", name="This is what Asker Libraries stores about you")).to_be_visible()
    assert await page.get_attribute("html", "lang") == "en"
    await look_at(page, "minside", "04-my-data-en")
    await page.get_by_role("link", name="Back to my loans").click()
    await expect(page.get_by_role("heading", name="My loans", exact=True)).to_be_visible()

    await page.get_by_role("button", name="Log out").click()
    await expect(page.get_by_role("status")).to_have_text("You are logged out.")
    await page.goto(node.url + "/minside/me")
    await expect(page.get_by_role("alert")).to_have_text("Your session has expired. Log in again.")
