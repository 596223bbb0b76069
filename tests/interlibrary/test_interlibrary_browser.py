"""In a real headless Chromium: a patron at Asker finds a Sandnes copy on Min side and orders it; Sandnes' desk
pulls and ships it; Asker's desk takes it in; the patron sees it ready with its reference number, in both
languages. Screenshots go to test-artefacts/interlibrary/."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, Page, expect

from local_library import app_keys
from tests.accessibility import look_at
from tests.federation.conftest import set_federation_profile
from tests.interlibrary.nodes import Federation, Library, federation
from tests.national.conftest import ADMIN_PASSWORD, registry

__all__ = ["federation", "registry", "set_federation_profile"]

ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artefacts" / "interlibrary"
PIN = "4831"


async def _screenshot(page: Page, name: str) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    await look_at(page, "interlibrary", name)


async def _page(browser: Browser, url: str) -> Page:
    context = await browser.new_context(ignore_https_errors=True, locale="nb-NO")  # the private CA; TLS is real
    page = await context.new_page()
    await page.goto(url)
    return page


async def _desk(browser: Browser, url: str) -> Page:
    page = await _page(browser, url + "/staff/?lang=nb")
    await page.get_by_label("Brukernavn").fill("admin")
    await page.get_by_label("Passord").fill(ADMIN_PASSWORD)
    await page.get_by_role("button", name="Logg inn").click()
    await page.get_by_role("link", name="Fjernlån").click()
    await expect(page.get_by_role("heading", name="Fjernlån", exact=True)).to_be_visible()
    return page


async def test_a_patron_orders_on_min_side_and_the_desks_move_the_copy(
    browser: Browser, federation: Federation
) -> None:
    asker, sandnes = federation.libraries["asker"], federation.libraries["sandnes"]
    patron = await asker.running.ok(
        "POST", "/api/staff/patrons",
        {"name": "Kari Fjernlån", "birth_date": "1980-05-17", "email": "kari@example.org",
         "preferred_contact": "email", "pin": PIN},
    )  # fmt: skip

    minside = await _page(browser, asker.running.library.url + "/minside?lang=nb")
    await minside.get_by_label("Lånekortnummer").fill(patron["card_number"])
    await minside.get_by_label("PIN-kode (4 siffer)").fill(PIN)
    await minside.get_by_role("button", name="Logg inn").click()
    await minside.get_by_role("link", name="Bestill fra andre bibliotek og følg bestillingene dine").click()
    await expect(minside.get_by_role("heading", name="Bestill fra andre bibliotek")).to_be_visible()
    await minside.get_by_label("Tittel, forfatter, ISBN eller strekkode").fill("hamsun")
    await minside.get_by_role("button", name="Søk").click()
    sandnes_hits = minside.get_by_role("table", name="Sandnes bibliotek")
    await expect(sandnes_hits.get_by_role("row", name="Markens grøde")).to_contain_text("Ja")
    await expect(minside.get_by_role("heading", name="Sandnes bibliotek: svarte")).to_be_visible()
    await _screenshot(minside, "01-minside-search")
    await sandnes_hits.get_by_role("row", name="Markens grøde").get_by_role("button").click()
    await expect(minside.get_by_role("status")).to_have_text(
        "Bestilt: Markens grøde. Du får beskjed når den kan hentes."
    )
    mine = minside.get_by_role("table", name="Mine bestillinger")
    await expect(mine.get_by_role("row", name="Markens grøde")).to_contain_text(
        "Bestilt, venter på utlånende bibliotek"
    )
    await _screenshot(minside, "02-minside-ordered")
    await asker.deliver()

    sandnes_desk = await _desk(browser, sandnes.running.library.url)
    pull = sandnes_desk.get_by_role("table", name="Til andre bibliotek: hent fra hyllen")
    await expect(pull.get_by_role("row", name="Markens grøde")).to_contain_text("Asker bibliotek")
    await _screenshot(sandnes_desk, "03-sandnes-desk-pull")
    await pull.get_by_role("row", name="Markens grøde").get_by_role("button", name="Sendt").click()
    await expect(sandnes_desk.get_by_role("status")).to_have_text("Utført.")
    away = sandnes_desk.get_by_role("table", name="Våre eksemplarer hos andre bibliotek")
    await expect(away.get_by_role("row", name="Markens grøde")).to_be_visible()
    await _screenshot(sandnes_desk, "04-sandnes-desk-away")
    await sandnes.deliver()

    asker_desk = await _desk(browser, asker.running.library.url)
    ours = asker_desk.get_by_role("table", name="Våre låneres bestillinger")
    await expect(ours.get_by_role("row", name="Markens grøde")).to_contain_text("Sendt hit")
    await ours.get_by_role("row", name="Markens grøde").get_by_role("button", name="Mottatt").click()
    await expect(ours.get_by_role("row", name="Markens grøde")).to_contain_text("Klar til henting")
    await _screenshot(asker_desk, "05-asker-desk-received")

    await minside.reload()
    ready = minside.get_by_role("table", name="Mine bestillinger").get_by_role("row", name="Markens grøde")
    await expect(ready).to_contain_text("Klar til henting")
    await expect(ready).to_contain_text("Hentenummer")
    await _screenshot(minside, "06-minside-ready")
    await minside.get_by_role("link", name="English").click()
    await expect(minside.get_by_role("heading", name="Order from other libraries")).to_be_visible()
    await expect(
        minside.get_by_role("table", name="My requests").get_by_role("row", name="Markens grøde")
    ).to_contain_text("Ready for pickup")
    await _screenshot(minside, "07-minside-ready-en")

    await _never_collected(asker_desk, asker)


async def _never_collected(asker_desk: Page, asker: Library) -> None:
    """The patron never comes: past the deadline the desk says so, and staff send the copy home."""
    pool = asker.running.library.runner.app[app_keys.POOL]
    await pool.execute("UPDATE interlibrary_borrowing SET pickup_deadline = pickup_deadline - 30")
    await asker_desk.reload()
    row = asker_desk.get_by_role("table", name="Våre låneres bestillinger").get_by_role("row", name="Markens grøde")
    await expect(row).to_contain_text("Ikke hentet: send tilbake")
    await _screenshot(asker_desk, "08-asker-desk-not-collected")
    await row.get_by_role("button", name="Send tilbake").click()
    await expect(
        asker_desk.get_by_role("table", name="Våre låneres bestillinger").get_by_role("row", name="Markens grøde")
    ).to_contain_text("Sendt tilbake til eieren")
