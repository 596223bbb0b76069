"""A national card holder logs in to Min side at a library they have never visited."""

from __future__ import annotations

import re
import ssl
from pathlib import Path

import aiohttp

from natreg.keys.layout import KeyLayout
from registry.app import RunningRegistry
from tests.national.conftest import NodeFactory
from tests.national.test_national_flows import PIN, _adult_registration

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
