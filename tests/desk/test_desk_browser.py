"""The staff desk in a real headless Chromium against a real registry and Asker's node (mutual TLS between
them): the desk logs in, scans a national patron's card, lends two items by scanning (Asker asks for the
PIN), returns one in return mode switched by keyboard, renews the other, sees a blocked card refused, and
checks the registry status. Screenshots of the main pages go to ``test-artefacts/desk/`` (git-ignored).

The patron and the items are made through the staff JSON API (the registration pages are another part of
the desk); every step in the browser is what a person at the desk does.
"""

from __future__ import annotations

from playwright.async_api import Browser, Page, expect

from registry.app import RunningRegistry
from tests.accessibility import look_at
from tests.national.conftest import ADMIN_PASSWORD, Node, NodeFactory, registry, start_node
from tests.national.test_national_flows import PIN, _adult_registration

__all__ = ["registry", "start_node"]  # the national fixtures: a registry and nodes over mutual TLS

BOOKS = (
    "barcode,title,material,audience,purchase_price_ore\n"
    "ASKER-2,Sult,book,adult,29900\nASKER-3,Doppler,book,adult,19900\n"
)


async def _screenshot(page: Page, name: str) -> None:
    await look_at(page, "desk", name)


async def _blocked_local_patron(node: Node) -> str:
    patron = await node.ok(
        "POST", "/api/staff/patrons",
        {"name": "Berit Sperret", "birth_date": "1970-02-02", "email": "berit@example.org",
         "preferred_contact": "email", "pin": PIN},
    )  # fmt: skip
    await node.ok("PUT", f"/api/staff/patrons/{patron['patron_id']}/blocked", {"blocked": True})
    return str(patron["card_number"])


async def _access_key(page: Page, key: str) -> None:
    """Alt+``key`` as Chromium on Linux gets it from a keyboard: Playwright's ``press`` sends no character
    event with Alt held, and access keys act on that event, so it goes through the DevTools protocol."""
    cdp = await page.context.new_cdp_session(page)
    code = {"key": key, "code": f"Key{key.upper()}", "windowsVirtualKeyCode": ord(key.upper()), "modifiers": 1}
    await cdp.send("Input.dispatchKeyEvent", {"type": "rawKeyDown", **code})
    await cdp.send("Input.dispatchKeyEvent", {"type": "char", "text": key, "unmodifiedText": key, **code})
    await cdp.send("Input.dispatchKeyEvent", {"type": "keyUp", **code})
    await cdp.detach()
    await page.wait_for_load_state()


async def _scan(page: Page, code: str, *, pin: str | None = None) -> None:
    """What a barcode scanner does: the code into the focused box, then Enter (the PIN typed by the patron)."""
    if pin is not None:
        await page.get_by_label("Lånerens PIN-kode").fill(pin)
        await page.keyboard.press("Shift+Tab")  # the PIN field follows the box: one step back to the box
    box = page.locator("#code")
    await expect(box).to_be_focused()
    await page.keyboard.type(code)
    await page.keyboard.press("Enter")


async def test_a_desk_lends_returns_renews_and_refuses_a_blocked_card(
    browser: Browser, registry: RunningRegistry, start_node: NodeFactory
) -> None:
    asker = await start_node("asker", registry.api_url)
    await asker.ok("POST", "/api/staff/items/import", data=BOOKS)
    _, registered = await _adult_registration(asker, seed=61)
    card = registered["patron"]["card_number"]
    blocked_card = await _blocked_local_patron(asker)

    context = await browser.new_context(ignore_https_errors=True, locale="nb-NO")  # the private CA; real TLS
    page = await context.new_page()
    await _log_in(page, asker.library.url)
    await _lend_two(page, card)
    await _return_one_and_renew_the_other(page)
    await _refuse_a_blocked_card(page, blocked_card)
    await _registry_status_and_log_out(page, asker.library.url)
    await context.close()


async def _log_in(page: Page, url: str) -> None:
    await page.goto(url + "/staff/")
    await expect(page.get_by_role("heading", name="Logg inn i skranken")).to_be_visible()
    await expect(page.get_by_label("Brukernavn")).to_be_focused()
    await _screenshot(page, "01-login")
    await page.get_by_label("Brukernavn").fill("admin")
    await page.get_by_label("Passord").fill("not the password")
    await page.get_by_role("button", name="Logg inn").click()
    await expect(page.get_by_role("alert")).to_have_text("Feil brukernavn eller passord.")
    await page.get_by_label("Brukernavn").fill("admin")
    await page.get_by_label("Passord").fill(ADMIN_PASSWORD)
    await page.get_by_role("button", name="Logg inn").click()
    await expect(page.get_by_role("heading", name="Utlån og innlevering")).to_be_visible()
    await expect(page.get_by_role("link", name="Utlån (Alt+U)")).to_have_attribute("aria-current", "true")
    await _screenshot(page, "02-circulation")


async def _lend_two(page: Page, card: str) -> None:
    await _scan(page, card)
    await expect(page.get_by_role("heading", name="Låner: Nora Nasjonal")).to_be_visible()
    await expect(page.locator(".patron")).to_contain_text("Nasjonalt lånekort")
    await expect(page.locator("#code")).to_be_focused()  # the next scan is the item
    await _scan(page, "ASKER-1", pin=PIN)
    await expect(page.get_by_role("status")).to_contain_text("Lånt ut: «Kon-Tiki»")
    await _scan(page, "ASKER-2", pin=PIN)
    await expect(page.get_by_role("status")).to_contain_text("Lånt ut: «Sult»")
    loans = page.get_by_role("table", name="Lån")
    await expect(loans.get_by_role("row")).to_have_count(3)  # the heading row and two loans
    await _screenshot(page, "03-patron-with-loans")


async def _return_one_and_renew_the_other(page: Page) -> None:
    await _access_key(page, "i")  # the mode by keyboard, as the page says
    await expect(page.get_by_role("link", name="Innlevering (Alt+I)")).to_have_attribute("aria-current", "true")
    await _scan(page, "ASKER-1")
    await expect(page.get_by_role("status")).to_contain_text("Levert inn: «Kon-Tiki»")
    await expect(page.get_by_text("Modus nå: Innlevering")).to_be_visible()
    await expect(page.get_by_role("table", name="Lån")).not_to_contain_text("Kon-Tiki")
    sult = page.get_by_role("table", name="Lån").get_by_role("row", name="Sult")
    await sult.get_by_role("button", name="Forny").click()
    # Lent minutes ago: renewing today would give the same due date, so the desk says so and counts nothing.
    await expect(page.get_by_role("alert")).to_contain_text("en fornyelse i dag ville gitt samme frist")
    await expect(page.get_by_role("table", name="Lån").get_by_role("row", name="Sult")).to_contain_text("0")


async def _refuse_a_blocked_card(page: Page, blocked_card: str) -> None:
    await _access_key(page, "u")
    await expect(page.get_by_role("link", name="Utlån (Alt+U)")).to_have_attribute("aria-current", "true")
    await _scan(page, blocked_card)
    await expect(page.get_by_role("heading", name="Låner: Berit Sperret")).to_be_visible()
    await expect(page.locator("ul.warnings")).to_contain_text("Kortet er sperret av biblioteket.")
    await _scan(page, "ASKER-3", pin=PIN)
    await expect(page.locator("p.message")).to_have_text("«Doppler»: kortet er sperret for utlån.")
    await expect(page.get_by_role("table", name="Lån")).to_have_count(0)  # "Ingen lån." instead
    await _screenshot(page, "04-blocked-card-refused")


async def _registry_status_and_log_out(page: Page, url: str) -> None:
    await page.get_by_role("link", name="Registerstatus").click()
    await expect(page.get_by_role("heading", name="Status mot det nasjonale registeret")).to_be_visible()
    await expect(page.get_by_role("status")).to_contain_text("Registeret svarer.")
    await expect(page.get_by_role("table", name="Ferdig siste døgn")).to_contain_text("Nora Nasjonal")
    await _screenshot(page, "05-registry-status")
    await page.get_by_role("link", name="English").click()
    await expect(page.get_by_role("heading", name="National registry status")).to_be_visible()
    assert await page.get_attribute("html", "lang") == "en"
    await page.get_by_role("link", name="Patrons").click()
    await _screenshot(page, "06-patrons-en")
    await page.get_by_role("button", name="Log out").click()
    await expect(page.get_by_role("status")).to_have_text("You are logged out.")
    await page.goto(url + "/staff/")
    await expect(page.get_by_role("heading", name="Log in to the staff desk")).to_be_visible()
