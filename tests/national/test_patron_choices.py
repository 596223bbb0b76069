"""Asker: "Du kan få forhåndsvarsel på e-post 3 dager før innleveringsfristen. Be om det når du er i biblioteket
neste gang eller gjør det selv på Min Side." Every patron chooses it, national card holders too, at the desk (the
staff API) and on Min side, and Min side changes the preferred contact method (letter, e-mail, SMS) as well; a
national card's contact method is the registry's field, so it reaches the registry."""

from __future__ import annotations

import re

import aiohttp

from registry.app import RunningRegistry
from tests.national.conftest import NodeFactory, registry, start_node
from tests.national.test_national_flows import PIN, _registration

__all__ = ["registry", "start_node"]


async def test_a_national_patron_asks_for_the_pre_due_notice_at_registration_and_later(
    registry: RunningRegistry, start_node: NodeFactory
) -> None:
    asker = await start_node("asker", registry.api_url)
    status, answer = await asker.call("POST", "/api/staff/national-patrons", _registration(31, pre_due_notice=True))
    assert status == 201, answer
    patron = answer["patron"]
    assert patron["pre_due_notice"] is True
    changed = await asker.ok("PUT", f"/api/staff/patrons/{patron['patron_id']}/choices", {"pre_due_notice": False})
    assert changed["patron"]["pre_due_notice"] is False


async def test_min_side_changes_the_notice_and_the_contact_method_of_a_national_card(
    registry: RunningRegistry, start_node: NodeFactory
) -> None:
    asker = await start_node("asker", registry.api_url)
    status, answer = await asker.call("POST", "/api/staff/national-patrons", _registration(33))
    assert status == 201, answer
    card, patron_id = answer["patron"]["card_number"], answer["patron"]["patron_id"]
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar, connector=aiohttp.TCPConnector(ssl=False)) as browser:
        url = asker.library.url
        async with browser.get(f"{url}/minside?lang=nb") as start:
            csrf = _csrf(await start.text())
        login = {"card_number": card, "pin": PIN, "csrf": csrf, "lang": "nb"}
        async with browser.post(f"{url}/minside/login", data=login) as logged_in:
            assert logged_in.status == 200
        async with browser.get(f"{url}/minside/my-data?lang=nb") as page:
            text = await page.text()
            assert 'action="/minside/choices"' in text
        assert 'name="pre_due_notice_shown" value="yes"' in text
        choices = {"csrf": _csrf(text), "lang": "nb", "pre_due_notice_shown": "yes", "pre_due_notice": "yes",
                   "preferred_contact": "sms"}  # fmt: skip
        async with browser.post(f"{url}/minside/choices", data=choices) as saved:
            shown = await saved.text()
            assert "Valgene dine er lagret." in shown
    account = await asker.ok("GET", f"/api/staff/patrons/{patron_id}")
    assert (account["patron"]["pre_due_notice"], account["patron"]["preferred_contact"]) == (True, "sms")
    await asker.ok("POST", "/api/staff/registry-sync")
    record = await asker.ok("GET", f"/api/staff/cards/{card}")
    assert record["preferred_contact"] == "sms"


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)
