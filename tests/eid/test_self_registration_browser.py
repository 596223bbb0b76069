"""Self-registration in a real headless Chromium: from Min side's login page to the eID stand-in and back, a
refused trivial PIN, the card number, and logging in with it; a guardian registering a child in English.
Screenshots of each page go to ``test-artefacts/eid/`` (git-ignored) to look at."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.async_api import Browser, Page, expect

from tests.accessibility import look_at
from tests.eid.conftest import EidWorld

ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artefacts" / "eid"


async def _shot(page: Page, name: str) -> None:
    await look_at(page, "eid", name)


async def _open(browser: Browser, url: str, locale: str) -> Page:
    # The node's and the stand-in's certificates are from the project's private CA; the TLS is real.
    context = await browser.new_context(ignore_https_errors=True, locale=locale)
    page = await context.new_page()
    await page.goto(url)
    return page


async def _pick_identity(page: Page, pid: str) -> None:
    await expect(page.get_by_role("heading", name="Test eID: sign in")).to_be_visible()
    await page.get_by_label(re.compile(pid)).check()
    await page.get_by_role("button", name="Sign in").click()


async def test_a_patron_gets_a_national_card_in_the_browser(browser: Browser, eid_world: EidWorld) -> None:
    node = eid_world.nodes["asker"].url
    page = await _open(browser, f"{node}/minside?lang=nb", "nb-NO")
    await page.get_by_role("link", name="Har du ikke lånekort? Få lånekort med ID-porten").click()
    await expect(page.get_by_role("heading", name="Få lånekort")).to_be_visible()
    await _shot(page, "01-intro")
    await page.get_by_role("link", name="Logg inn med ID-porten").click()
    await _shot(page, "02-standin-login")
    await _pick_identity(page, eid_world.people["adult"])

    await expect(page.get_by_role("heading", name="Dine opplysninger")).to_be_visible()
    assert eid_world.people["adult"] not in await page.content()
    await page.get_by_label("Navn", exact=True).fill("Kari Nordmann")
    await page.get_by_label("E-post").fill("kari@example.org")
    await page.get_by_label("Velg PIN-kode (4 siffer)").fill("1111")
    await page.get_by_label("Gjenta PIN-koden").fill("1111")
    await page.get_by_label("Jeg godtar bibliotekets regler").check()
    await _shot(page, "03-form")
    await page.get_by_role("button", name="Få lånekort").click()
    await expect(page.get_by_role("alert")).to_have_text("PIN-koden er for enkel å gjette. Velg en annen.")
    await expect(page.get_by_label("Velg PIN-kode (4 siffer)")).to_have_attribute("aria-invalid", "true")
    await expect(page.get_by_label("Navn", exact=True)).to_have_value("Kari Nordmann")  # kept; the PIN is not
    await _shot(page, "04-form-refused")

    await page.get_by_label("Velg PIN-kode (4 siffer)").fill("4815")
    await page.get_by_label("Gjenta PIN-koden").fill("4815")
    await page.get_by_label("Jeg godtar bibliotekets regler").check()
    await page.get_by_role("button", name="Få lånekort").click()
    await expect(page.get_by_role("heading", name="Lånekortet er klart")).to_be_visible()
    await _shot(page, "05-card-ready")
    status = await page.get_by_role("status").text_content()
    card = re.search(r"Lånekortnummeret er ([0-9]{10})\.", status or "")
    assert card is not None, status

    await page.get_by_role("link", name="Til innloggingen").click()
    await page.get_by_label("Lånekortnummer").fill(card[1])
    await page.get_by_label("PIN-kode (4 siffer)").fill("4815")
    await page.get_by_role("button", name="Logg inn").click()
    await expect(page.get_by_text("Innlogget som Kari Nordmann")).to_be_visible()
    await _shot(page, "06-min-side")


async def test_a_guardian_registers_a_child_in_english(browser: Browser, eid_world: EidWorld) -> None:
    node = eid_world.nodes["asker"].url
    page = await _open(browser, f"{node}/minside/new-card?lang=en", "en-GB")
    await page.get_by_role("link", name="Register my child (for guardians)").click()
    await _pick_identity(page, eid_world.people["guardian"])
    await expect(page.get_by_role("heading", name="The child's details")).to_be_visible()
    await page.get_by_label("Your name (guardian)").fill("Kari Nordmann")
    await page.get_by_label("Your contact details").fill("kari@example.org")
    await page.get_by_label("The child's national ID (11 digits)").fill(eid_world.people["child"])
    await page.get_by_label("The child's name").fill("Lille Nordmann")
    await page.get_by_label("E-mail", exact=True).fill("kari@example.org")
    await page.get_by_label("Choose a PIN (4 digits)").fill("2580")
    await page.get_by_label("Repeat the PIN").fill("2580")
    await page.get_by_label("I accept the library's rules").check()
    await _shot(page, "07-guardian-form")
    await page.get_by_role("button", name="Get my card").click()
    await expect(page.get_by_role("heading", name="Your library card is ready")).to_be_visible()
    await _shot(page, "08-child-card-ready")
    assert eid_world.people["child"] not in await page.content()
