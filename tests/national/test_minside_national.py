"""A national card holder logs in to Min side at a library they have never visited."""

from __future__ import annotations

import re
import ssl
from pathlib import Path

import aiohttp

from plumbing.keys.layout import KeyLayout
from registry.app import RunningRegistry
from tests.national.conftest import NodeFactory
from tests.national.test_national_flows import PIN, _adult_registration
from tests.servers import registry_client

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def test_a_card_from_asker_opens_min_side_at_sandnes(
    registry: RunningRegistry, start_node: NodeFactory, keys_dir: Path
) -> None:
    asker = await start_node("asker", registry.api_url)
    sandnes = await start_node("sandnes", registry.api_url)
    _, registered = await _adult_registration(asker, seed=29)
    card = registered["patron"]["card_number"]

    context = ssl.create_default_context(cafile=KeyLayout(keys_dir).ca_certificate)
    # unsafe: the node is addressed by IP, for which aiohttp would otherwise keep no cookies.
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(
        base_url=sandnes.library.url, connector=aiohttp.TCPConnector(ssl=context), cookie_jar=jar
    ) as browser:
        async with browser.get("/minside?lang=en") as start:
            found = CSRF.search(await start.text())
            assert found is not None
        form = {"csrf": found.group(1), "lang": "en", "card_number": card, "pin": PIN}
        async with browser.post("/minside/login", data=form) as overview:
            assert overview.url.path == "/minside/me"
            assert "Nora Nasjonal" in await overview.text()
        async with browser.get("/minside/my-data?lang=en") as my_data:
            page = await my_data.text()
    # Sandnes now keeps a cached copy (no national ID) and points to the registry for the rest.
    assert card in page
    assert "https://localhost:8444/" in page
    here = await sandnes.ok("GET", f"/api/staff/cards/{card}")
    assert here["kind"] == "national"


async def _min_side_login(browser: aiohttp.ClientSession, card: str, pin: str) -> aiohttp.ClientResponse:
    async with browser.get("/minside?lang=en") as start:
        found = CSRF.search(await start.text())
        assert found is not None
    form = {"csrf": found.group(1), "lang": "en", "card_number": card, "pin": pin}
    response = await browser.post("/minside/login", data=form)
    await response.read()
    return response


async def test_a_throttled_national_card_says_when_to_come_back_and_min_side_never_locks_it(
    registry: RunningRegistry, start_node: NodeFactory, keys_dir: Path
) -> None:
    """Min side passes on the registry's wait as Retry-After, and its failures count at the online door:
    they throttle the card's online login but leave the libraries' counter (and the kiosks) alone."""
    asker = await start_node("asker", registry.api_url)
    sandnes = await start_node("sandnes", registry.api_url)
    _, registered = await _adult_registration(asker, seed=31)
    card = registered["patron"]["card_number"]
    context = ssl.create_default_context(cafile=KeyLayout(keys_dir).ca_certificate)
    async with aiohttp.ClientSession(
        base_url=sandnes.library.url,
        connector=aiohttp.TCPConnector(ssl=context),
        cookie_jar=aiohttp.CookieJar(unsafe=True),
    ) as browser:
        for wrong in ("9071", "12", "9073"):  # a malformed PIN counts like any wrong one
            assert (await _min_side_login(browser, card, wrong)).status == 401
        throttled = await _min_side_login(browser, card, PIN)
        assert throttled.status == 429
        assert throttled.headers["Retry-After"] == "30"
        assert "Wait 30 seconds" in await throttled.text()
    # At the kiosk (the library door) the patron is not held back by what happened online.
    async with registry_client(registry, keys_dir, "asker") as at_the_kiosk:
        record = await at_the_kiosk.authenticate(card, PIN)
    assert record.card_number == card
