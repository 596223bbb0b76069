"""The insight page in a real browser: log in, see everything, download it, ask for deletion, log out."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
from playwright.async_api import Browser, Page, expect

from registry.app import RunningRegistry
from tests.accessibility import look_at
from tests.insight.conftest import PIN, RegisteredPatron

OSLO = ZoneInfo("Europe/Oslo")


def _oslo_minute(shown: str) -> dt.datetime:
    return dt.datetime.strptime(shown, "%d.%m.%Y %H:%M").replace(tzinfo=OSLO)


async def _open(browser: Browser, registry: RunningRegistry) -> Page:
    # The private CA is not in Chromium's trust store; the TLS itself is real.
    context = await browser.new_context(ignore_https_errors=True, accept_downloads=True, locale="nb-NO")
    page = await context.new_page()
    await page.goto(registry.public_url + "/?lang=nb")
    return page


async def _log_in(page: Page, card_number: str, pin: str) -> None:
    await page.get_by_label("Lånekortnummer (10 siffer)").fill(card_number)
    await page.get_by_label("PIN-kode (4 siffer)").fill(pin)
    await page.get_by_role("button", name="Logg inn").click()


async def _check_accesses(page: Page) -> None:
    accesses = page.get_by_role("table", name="Hvem har sett eller endret opplysningene")
    await expect(accesses).to_contain_text("registrerte deg")
    await expect(accesses).to_contain_text("patron at the Sandnes desk")  # a library's own words, as sent
    await expect(accesses).to_contain_text("knyttet deg til biblioteket")
    # Why and who in Norwegian, libraries by name: no machine words left over.
    await expect(accesses).to_contain_text("tilknytning til biblioteket (du viste kort og PIN-kode)")
    await expect(accesses).to_contain_text("Sandnes bibliotek")
    await expect(accesses).to_contain_text("din innsynsrett")
    for machine_words in ("card_and_pin", "library:", "right of access", "registration"):
        await expect(accesses).not_to_contain_text(machine_words)
    # When: the registry's time zone (Oslo), written the Norwegian way, to the minute.
    first_access = await accesses.get_by_role("row").nth(1).get_by_role("cell").first.inner_text()
    assert re.fullmatch(r"\d\d\.\d\d\.20\d\d \d\d:\d\d", first_access), first_access
    assert abs(_oslo_minute(first_access) - dt.datetime.now(OSLO)) < dt.timedelta(minutes=5)


async def _ask_for_deletion_with_confirmation(page: Page) -> None:
    # Asking for deletion takes a confirmation that says what will happen; "no" files nothing.
    await page.get_by_role("button", name="Be om sletting av alle opplysningene").click()
    await expect(page.get_by_role("heading", name="Vil du be om at alle opplysningene slettes?")).to_be_visible()
    await expect(page.get_by_text("registerets administrator, som avgjør den")).to_be_visible()
    await expect(page.get_by_text("Lån og gebyrer blir værende hos bibliotekene")).to_be_visible()
    await look_at(page, "insight", "03-confirm-deletion")
    await page.get_by_role("link", name="English").click()  # the switch keeps the step, and files nothing
    await expect(page.get_by_role("button", name="Yes, ask for deletion")).to_be_visible()
    await page.get_by_role("link", name="Norsk (bokmål)").click()
    await page.get_by_role("link", name="Nei, tilbake uten å slette").click()
    await expect(page.get_by_text("Ingen ventende forespørsler.")).to_be_visible()
    await page.get_by_role("button", name="Be om sletting av alle opplysningene").click()
    await page.get_by_role("button", name="Ja, be om sletting").click()
    await expect(page.get_by_role("alert")).to_have_text("Forespørselen om sletting er registrert.")
    today = dt.datetime.now(OSLO).strftime("%d.%m.%Y")
    await expect(page.get_by_text(f"Sletting \N{EN DASH} venter på behandling (innlevert {today})")).to_be_visible()
    # The pending request replaces the button: it cannot be filed twice.
    await expect(page.get_by_role("button", name="Be om sletting av alle opplysningene")).to_have_count(0)
    await look_at(page, "insight", "04-deletion-pending")


async def test_patron_sees_downloads_requests_deletion_and_logs_out(
    browser: Browser, registry: RunningRegistry, patron: RegisteredPatron, tmp_path: Path
) -> None:
    page = await _open(browser, registry)
    await expect(page.get_by_text("Nasjonalbiblioteket (test)")).to_be_visible()
    await look_at(page, "insight", "01-login")
    await _log_in(page, patron.record.card_number, PIN)

    await expect(page.get_by_role("heading", name="Dette er lagret om deg")).to_be_visible()
    table = page.get_by_role("table", name="Dette er lagret om deg")
    await expect(table).to_contain_text("Ingrid Innsyn")
    await expect(table).to_contain_text("Kirkeveien 3, 1384 Asker, NO")
    # The libraries by the names people know them by, not their ids.
    await expect(table).to_contain_text("Asker bibliotek, Sandnes bibliotek")
    await expect(table).to_contain_text("*********" + patron.national_id[9:])
    assert patron.national_id not in await page.content()
    await look_at(page, "insight", "02-my-data")

    await _check_accesses(page)

    # The full national ID only after the PIN is given again.
    await page.get_by_label("PIN-kode for å vise hele fødselsnummeret").fill(PIN)
    await page.get_by_role("button", name="Vis hele fødselsnummeret").click()
    await expect(page.get_by_role("table", name="Dette er lagret om deg")).to_contain_text(patron.national_id)

    async with page.expect_download() as download_info:
        await page.get_by_role("link", name="Last ned alt som JSON").click()
    download = await download_info.value
    saved = tmp_path / "my-data.json"
    await download.save_as(saved)
    document = json.loads(saved.read_text())
    assert document["record"]["name"] == "Ingrid Innsyn"
    assert document["record"]["libraries"] == ["asker", "sandnes"]
    assert {access["operation"] for access in document["accesses"]} >= {"register", "link", "insight_reveal"}

    await _ask_for_deletion_with_confirmation(page)

    await page.get_by_role("link", name="English").click()
    await expect(page.get_by_role("heading", name="This is stored about you")).to_be_visible()
    await look_at(page, "insight", "05-my-data-en")

    await page.get_by_role("button", name="Log out").click()
    await expect(page.get_by_role("alert")).to_have_text("You are logged out.")
    await page.goto(registry.public_url + "/me")
    await expect(page.get_by_role("alert")).to_have_text("Your session has expired. Log in again.")


async def test_wrong_pin_throttling_and_lockout_are_explained(
    browser: Browser, registry: RunningRegistry, patron: RegisteredPatron, registry_database_url: str
) -> None:
    page = await _open(browser, registry)
    for _ in range(3):
        await _log_in(page, patron.record.card_number, "9071")
        await expect(page.get_by_role("alert")).to_have_text("Feil lånekortnummer eller PIN-kode.")
    # The right PIN does not help while the attempts are throttled.
    await _log_in(page, patron.record.card_number, PIN)
    await expect(page.get_by_role("alert")).to_contain_text("For mange feil PIN-koder. Vent")

    connection = await asyncpg.connect(registry_database_url)
    try:
        await connection.execute(
            "UPDATE patrons SET pin_failed_attempts = 10 WHERE patron_id = $1",
            patron.record.patron_id,
        )
    finally:
        await connection.close()
    await _log_in(page, patron.record.card_number, PIN)
    await expect(page.get_by_role("alert")).to_have_text(
        "Kortet er sperret etter for mange feil PIN-koder. Kontakt et bibliotek for å få ny PIN-kode."
    )
    await look_at(page, "insight", "06-locked")
