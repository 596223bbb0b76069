"""In a real browser: the patron's loans at three libraries on one Min side (one library stopped), and the
registry's insight page telling which library asked which on the patron's behalf.

Screenshots go to ``test-artefacts/federation/`` (git-ignored) to be looked at.
"""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, expect

from tests.accessibility import look_at
from tests.federation.conftest import Federation
from tests.national.test_national_flows import PIN

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artefacts" / "federation"


async def test_all_my_loans_then_the_insight_page_shows_who_asked_whom(
    browser: Browser, federation: Federation
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await federation.nodes["oslo"].stop()
    context = await browser.new_context(ignore_https_errors=True, locale="nb-NO")
    page = await context.new_page()
    await page.goto(federation.nodes["asker"].library.url + "/minside?lang=nb")
    await page.get_by_label("Lånekortnummer").fill(federation.card_number)
    await page.get_by_label("PIN-kode (4 siffer)").fill(PIN)
    await page.get_by_role("button", name="Logg inn").click()
    await page.get_by_role("link", name="Se lån, reservasjoner og gebyrer hos alle bibliotekene dine").click()

    await expect(page.get_by_role("heading", name="Alle lånene mine", level=1)).to_be_visible()
    await expect(page.get_by_role("table", name="Lån: Sandnes bibliotek")).to_contain_text("Sandnes book")
    await expect(page.get_by_role("heading", name="oslo")).to_be_visible()
    await expect(page.get_by_text("Biblioteket kan ikke nås nå. Prøv igjen senere.")).to_be_visible()
    await expect(page.get_by_role("rowheader", name="Asker book")).to_be_visible()
    await look_at(page, "federation", "1-all-my-loans")

    await page.get_by_role("button", name="Forny «Sandnes book»").click()
    await expect(page.get_by_role("status")).to_contain_text("«Sandnes book» er fornyet hos Sandnes bibliotek.")
    await look_at(page, "federation", "2-renewed-at-sandnes")

    await page.goto(federation.registry.public_url + "/?lang=nb")
    await page.get_by_label("Lånekortnummer (10 siffer)").fill(federation.card_number)
    await page.get_by_label("PIN-kode (4 siffer)").fill(PIN)
    await page.get_by_role("button", name="Logg inn").click()
    accesses = page.get_by_role("table", name="Hvem har sett eller endret opplysningene")
    await expect(accesses).to_contain_text("ba Sandnes bibliotek om lånene dine på dine vegne")
    await expect(accesses).to_contain_text("ba Sandnes bibliotek fornye et lån på dine vegne")
    await expect(accesses).to_contain_text("du var logget inn på Min side")
    await look_at(page, "federation", "3-insight-statements")
    await page.get_by_role("link", name="English").click()
    accesses = page.get_by_role("table", name="Who has seen or changed your data")
    await expect(accesses).to_contain_text("asked Sandnes bibliotek for your loans on your behalf")
    await context.close()
