"""The desk's patron pages in a real headless Chromium, against a real registry and two nodes: Asker's desk
registers a national patron through the form (after a mistyped national ID is explained), Sandnes' desk links
the card (after a wrong PIN is refused), Asker files a deletion request and shows the receipt, a registry
administrator approves it at the administrators' desk (with a client certificate, as a browser imports it), and
both desks show the outcome.

Screenshots of each page go to ``test-artefacts/desk/`` (git-ignored) so a person can look at them.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from playwright.async_api import Browser, Page, expect

from plumbing.keys.pki import add_administrator
from registry.app import RunningRegistry
from registry_contract.national_id import generate_synthetic_national_id
from tests.accessibility import look_at
from tests.national.conftest import ADMIN_PASSWORD, NodeFactory, registry, start_node

__all__ = ["registry", "start_node"]

PIN = "4821"


async def _log_in(browser: Browser, url: str) -> Page:
    # The node's certificate is from the project's private CA, which Chromium does not know; the TLS is real.
    context = await browser.new_context(ignore_https_errors=True, locale="nb-NO")
    page = await context.new_page()
    await page.goto(url + "/staff/login?lang=nb")
    await page.get_by_label("Brukernavn").fill("admin")
    await page.get_by_label("Passord").fill(ADMIN_PASSWORD)
    await page.get_by_role("button", name="Logg inn").click()
    await page.get_by_role("link", name="Lånere", exact=True).click()
    await expect(page.get_by_role("heading", name="Lånere", exact=True)).to_be_visible()
    return page


async def _shot(page: Page, name: str) -> None:
    await look_at(page, "desk", name)


async def _register(page: Page, national_id: str) -> str:
    """Asker's desk registers the patron (a mistyped national ID first); the new card number."""
    await _shot(page, "patrons-search")
    await page.get_by_role("link", name="Nasjonalt lånekort", exact=True).click()
    await expect(page.get_by_role("heading", name="Nasjonalt lånekort", exact=True)).to_be_visible()
    mistyped = national_id[:-1] + str((int(national_id[-1]) + 1) % 10)
    await page.get_by_label("Fødselsnummer (11 siffer)").fill(mistyped)
    await page.get_by_label("Navn", exact=True).fill("Nora Nettleser")
    await page.get_by_label("E-post", exact=True).fill("nora@example.org")
    await page.get_by_label("Telefon").fill("+47 41000003")
    await page.get_by_label("Gateadresse").fill("Storgata 3")
    await page.get_by_label("Postnummer").fill("1383")
    await page.get_by_label("Poststed").fill("Asker")
    await page.get_by_label("Ny PIN-kode (4 siffer)").fill(PIN)
    await page.get_by_label("Gjenta PIN-koden").fill(PIN)
    await page.get_by_role("button", name="Registrer").click()
    national_id_box = page.get_by_label("Fødselsnummer (11 siffer)")
    await expect(national_id_box).to_have_value("")  # never shown again, not even to correct it
    await expect(national_id_box).to_be_focused()
    await expect(national_id_box).to_have_accessible_description(
        "Sjekk legitimasjonen. Nummeret sendes kryptert til det nasjonale registeret, lagres ikke her og vises ikke "
        "igjen. Kontrollsifrene i fødselsnummeret stemmer ikke; det er trolig skrevet feil."
    )
    await expect(page.get_by_label("Navn", exact=True)).to_have_value("Nora Nettleser")
    await _shot(page, "register-national-refused")

    await national_id_box.fill(national_id)
    await page.get_by_label("Ny PIN-kode (4 siffer)").fill(PIN)
    await page.get_by_label("Gjenta PIN-koden").fill(PIN)
    await page.get_by_role("button", name="Registrer").click()
    await expect(page.get_by_role("status")).to_have_text("Låneren er registrert. Sendt til det nasjonale registeret.")
    await expect(page.get_by_role("heading", name="Nora Nettleser")).to_be_visible()
    details = page.get_by_role("table", name="Opplysninger")
    await expect(details).to_contain_text("09.08.1979")
    await expect(details).to_contain_text("lagres i det nasjonale registeret")
    assert national_id not in await page.content()
    card_cell = details.get_by_role("row", name="Lånekortnummer").get_by_role("cell")
    card = (await card_cell.inner_text())[:10]
    assert card.isdigit()
    await _shot(page, "patron-national")
    return card


async def _choices_and_door_agreement(page: Page) -> None:
    """The patron asks for the pre-due e-mail at the desk, and signs Asker's unstaffed-hours agreement."""
    await page.get_by_role("link", name="Varsel før forfall og kontaktmåte").click()
    await _shot(page, "patron-choices")
    await page.get_by_label("E-post 3 dager før innleveringsfristen").check()
    await page.get_by_role("button", name="Lagre").click()
    await expect(page.get_by_role("status")).to_contain_text("Lånerens valg er lagret.")
    details = page.get_by_role("table", name="Opplysninger")
    await expect(details.get_by_role("row", name="Varsel før forfall")).to_contain_text("Ja, på e-post")
    await page.get_by_role("link", name="Avtale om meråpent").click()
    await _shot(page, "door-agreement")
    await page.get_by_label("Signert dato").fill(dt.datetime.now(dt.UTC).date().isoformat())
    await page.get_by_role("button", name="Lagre").click()
    await expect(page.get_by_role("status")).to_contain_text("Avtalen om meråpent er registrert.")
    await _shot(page, "patron-after-choices")


async def _link(other: Page, card: str) -> None:
    """Sandnes' desk links the card (a wrong PIN first)."""
    await other.get_by_role("link", name="Knytt til et nasjonalt lånekort fra et annet bibliotek").click()
    await other.get_by_label("Det nasjonale lånekortnummeret (10 siffer)").fill(card)
    await other.get_by_label("Lånerens PIN-kode").fill("9071")
    await other.get_by_role("button", name="Knytt til dette biblioteket").click()
    await expect(other.get_by_label("Lånerens PIN-kode")).to_have_accessible_description(
        "Låneren taster selv: det viser at låneren er til stede. Feil lånekortnummer eller PIN-kode."
    )
    await _shot(other, "link-refused")
    await other.get_by_label("Lånerens PIN-kode").fill(PIN)
    await other.get_by_role("button", name="Knytt til dette biblioteket").click()
    await expect(other.get_by_role("status")).to_have_text("Det nasjonale lånekortet er knyttet til dette biblioteket.")
    await expect(other.get_by_role("heading", name="Nora Nettleser")).to_be_visible()
    await expect(other.get_by_role("table", name="Opplysninger")).to_contain_text(card)
    await _shot(other, "patron-linked")
    await other.get_by_role("link", name="English").click()
    await expect(other.get_by_role("table", name="Details")).to_contain_text("kept in the national registry")
    assert await other.get_attribute("html", "lang") == "en"
    await _shot(other, "patron-linked-en")


async def test_a_desk_registers_a_national_patron_and_another_librarys_desk_links_the_card(
    browser: Browser, registry: RunningRegistry, start_node: NodeFactory, keys_dir: Path
) -> None:
    asker = await start_node("asker", registry.api_url)
    sandnes = await start_node("sandnes", registry.api_url)
    national_id = generate_synthetic_national_id(random.Random(11), birth_date=dt.date(1979, 8, 9))

    page = await _log_in(browser, asker.library.url)
    card = await _register(page, national_id)
    await _choices_and_door_agreement(page)

    other = await _log_in(browser, sandnes.library.url)
    await _link(other, card)

    await page.get_by_role("link", name="Krav om sletting").click()
    await page.get_by_role("button", name="Send kravet om sletting").click()  # not confirmed yet
    await expect(page.get_by_role("alert")).to_contain_text("Kryss av for å bekrefte.")
    await page.get_by_label("Jeg har sjekket legitimasjonen").check()
    await page.get_by_role("button", name="Send kravet om sletting").click()
    await expect(page.get_by_role("heading", name="Kvittering: Krav om sletting")).to_be_visible()
    await expect(page.get_by_role("table", name="Kvittering")).to_contain_text("Askerbibliotekene")
    await expect(page.get_by_role("table", name="Kvittering")).to_contain_text("Nora Nettleser")
    await _shot(page, "receipt-deletion")
    await page.emulate_media(media="print")
    await _shot(page, "receipt-deletion-print")
    await page.emulate_media(media="screen")

    await _approve_at_the_administrators_desk(browser, registry, keys_dir, card)
    for library, node, desk in (("asker", asker, page), ("sandnes", sandnes, other)):
        await node.ok("POST", "/api/staff/registry-sync")  # what the node's background sync does every few seconds
        await desk.goto(f"{node.library.url}/staff/patrons?q={card}&lang=nb")
        await expect(desk.get_by_text(f"Ingen lånere passer til «{card}».")).to_be_visible()
        await _shot(desk, f"after-erasure-{library}")


async def _approve_at_the_administrators_desk(
    browser: Browser, registry: RunningRegistry, keys_dir: Path, card: str
) -> None:
    administrator = add_administrator(keys_dir, "walk-admin")
    context = await browser.new_context(
        ignore_https_errors=True,  # the private CA; the TLS and the client certificate are real
        locale="nb-NO",
        client_certificates=[
            {"origin": registry.admin_url, "pfxPath": str(administrator.pkcs12_file),
             "passphrase": administrator.password},
        ],
    )  # fmt: skip
    admin = await context.new_page()
    await admin.goto(registry.admin_url + "/")
    await admin.get_by_role("link", name=card).click()
    await expect(admin.get_by_text("Nora Nettleser")).to_be_visible()
    await admin.get_by_label("Begrunnelse (påkrevd, høyst 500 tegn)").fill("Låneren ba om det ved skranken i Asker")
    await admin.get_by_role("button", name="Godkjenn og slett …").click()
    await admin.get_by_role("button", name="Ja, slett for godt").click()
    await expect(admin.get_by_role("status")).to_have_text("Forespørselen er godkjent og posten slettet.")
    await _shot(admin, "admin-approved")
    await context.close()
