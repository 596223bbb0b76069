"""All my loans: a patron linked at three libraries sees every loan on one Min side, whatever the others do.

Each other library is asked at the moment the page is shown; one that is stopped, slow or failing is marked so
and the page shows the rest within its deadline. A loan elsewhere is renewed there, under that library's rules.
"""

from __future__ import annotations

import asyncio
import re
import ssl
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from local_library.federation.peer_server import PeerEndpoint, create_peer_app
from plumbing.http.listeners import ListenerRunner, ListenerSite
from plumbing.http.sites import start_site
from plumbing.keys.layout import KeyLayout
from plumbing.tls import library_peer_server_context
from tests.desk.conftest import csrf_of, desk_log_in
from tests.federation.conftest import Federation, ProfileSetter, statement_audit
from tests.national.conftest import ADMIN_PASSWORD
from tests.national.test_national_flows import PIN

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
STATUS = re.compile(r'<p class="status" data-library="([a-z-]+)">([^<]+)</p>')


async def _min_side(federation: Federation, keys_dir: Path) -> aiohttp.ClientSession:
    """A browser session logged in to Min side at Asker with the patron's national card."""
    context = ssl.create_default_context(cafile=KeyLayout(keys_dir).ca_certificate)
    session = aiohttp.ClientSession(
        base_url=federation.nodes["asker"].library.url, connector=aiohttp.TCPConnector(ssl=context),
        cookie_jar=aiohttp.CookieJar(unsafe=True),
    )  # fmt: skip
    async with session.get("/minside?lang=en") as start:
        found = CSRF.search(await start.text())
    assert found is not None
    form = {"csrf": found.group(1), "lang": "en", "card_number": federation.card_number, "pin": PIN}
    async with session.post("/minside/login", data=form) as overview:
        assert overview.url.path == "/minside/me"
        assert "See loans, reservations and fees at all your libraries" in await overview.text()
    return session


async def _everywhere(session: aiohttp.ClientSession, query: str = "") -> str:
    async with session.get(f"/minside/everywhere?lang=en{query}") as response:
        assert response.status == 200
        return await response.text()


def _statuses(page: str) -> dict[str, str]:
    return dict(STATUS.findall(page))


@pytest.fixture
async def min_side(federation: Federation, keys_dir: Path) -> AsyncIterator[aiohttp.ClientSession]:
    session = await _min_side(federation, keys_dir)
    yield session
    await session.close()


async def test_every_loan_on_one_page_and_a_stopped_library_is_marked_not_reachable(
    federation: Federation, min_side: aiohttp.ClientSession
) -> None:
    page = await _everywhere(min_side)
    for title in ("Asker book", "Sandnes book", "Oslo book"):
        assert title in page
    assert "Asker Library (this library)" in page
    # Libraries by their display names (oslo has none but its id).
    assert "<h2>Sandnes bibliotek</h2>" in page
    assert _statuses(page) == {"sandnes": "Answered just now.", "oslo": "Answered just now."}

    await federation.nodes["oslo"].stop()
    page = await _everywhere(min_side)
    assert "Oslo book" not in page
    assert "Sandnes book" in page
    assert "Asker book" in page
    assert _statuses(page) == {
        "sandnes": "Answered just now.", "oslo": "The library cannot be reached now. Try again later.",
    }  # fmt: skip


async def test_a_loan_at_another_library_is_renewed_there_under_its_rules(
    federation: Federation, min_side: aiohttp.ClientSession
) -> None:
    page = await _everywhere(min_side)
    found = re.search(r'action="(/minside/everywhere/sandnes/loans/(\d+)/renew)"', page)
    assert found is not None
    csrf = CSRF.search(page)
    assert csrf is not None
    async with min_side.post(found.group(1), data={"csrf": csrf.group(1), "lang": "en"}) as renewed:
        assert renewed.url.path == "/minside/everywhere"
        text = await renewed.text()
    assert "“Sandnes book” is renewed at Sandnes bibliotek. New due date:" in text
    # Oslo lends under a copy of Stavanger's policy: two renewals at most. The third is refused by Oslo.
    for _ in range(3):
        page = await _everywhere(min_side)
        found = re.search(r'action="(/minside/everywhere/oslo/loans/(\d+)/renew)"', page)
        assert found is not None
        async with min_side.post(found.group(1), data={"csrf": csrf.group(1), "lang": "en"}) as response:
            text = await response.text()
    assert "oslo did not renew the loan: " in text
    # A loan id that is not the patron's at that library renews nothing.
    async with min_side.post(
        "/minside/everywhere/sandnes/loans/999999/renew", data={"csrf": csrf.group(1), "lang": "en"}
    ) as response:
        assert "Sandnes bibliotek did not renew the loan" in await response.text()


class Misbehaving:
    """A peer listener standing in for oslo's node: it answers 500, or not at all."""

    def __init__(self) -> None:
        self.hang = asyncio.Event()

    async def broken(self, request: web.Request) -> web.Response:
        raise RuntimeError("the node fell over")

    async def slow(self, request: web.Request) -> web.Response:
        await self.hang.wait()
        return web.json_response({})


async def _serve(federation: Federation, keys_dir: Path, endpoint: PeerEndpoint) -> tuple[ListenerRunner, str]:
    app = create_peer_app(federation.nodes["oslo"].library.runner.app, [endpoint])
    runner = ListenerRunner(app, read_timeout_seconds=30)
    await runner.setup()
    context = library_peer_server_context(KeyLayout(keys_dir), "oslo")
    port = await start_site(runner, ListenerSite(runner, "127.0.0.1", 0, ssl_context=context))
    return runner, f"https://127.0.0.1:{port}"


async def test_a_failing_or_slow_library_is_marked_and_never_holds_the_page(
    federation: Federation, min_side: aiohttp.ClientSession, keys_dir: Path, set_federation_profile: ProfileSetter
) -> None:
    misbehaving = Misbehaving()
    path = "/peer/v1/patron/account"
    broken, broken_url = await _serve(federation, keys_dir, PeerEndpoint("GET", path, "500", misbehaving.broken))
    slow, slow_url = await _serve(federation, keys_dir, PeerEndpoint("GET", path, "never", misbehaving.slow))
    try:
        await set_federation_profile("oslo", broken_url)
        page = await _everywhere(min_side)
        assert _statuses(page)["oslo"] == "The library answered with an error. Try again later."
        assert "Sandnes book" in page

        await set_federation_profile("oslo", slow_url)
        started = time.monotonic()
        page = await _everywhere(min_side)
        # The node's deadline is 2 s in these tests: the page comes well before a slow library would answer.
        assert time.monotonic() - started < 10
        assert _statuses(page)["oslo"] == "The library did not answer in time. Try again later."
        assert "Sandnes book" in page
    finally:
        misbehaving.hang.set()
        await broken.cleanup()
        await slow.cleanup()


async def test_without_the_registry_the_page_still_shows_this_library(
    federation: Federation, min_side: aiohttp.ClientSession
) -> None:
    await federation.registry.stop()
    page = await _everywhere(min_side)
    assert "Asker book" in page
    assert "The national registry is not answering now" in page


async def test_the_desk_asks_every_library_for_the_patron_at_the_desk_with_the_card(
    federation: Federation, keys_dir: Path, registry_database_url: str
) -> None:
    context = ssl.create_default_context(cafile=KeyLayout(keys_dir).ca_certificate)
    async with aiohttp.ClientSession(
        base_url=federation.nodes["asker"].library.url, connector=aiohttp.TCPConnector(ssl=context),
        cookie_jar=aiohttp.CookieJar(unsafe=True),
    ) as desk:  # fmt: skip
        logged_in = await desk_log_in(desk, "admin", ADMIN_PASSWORD, lang="en")
        assert logged_in.url.path == "/staff/"
        async with desk.get("/staff/everywhere?lang=en") as start:
            token = csrf_of(await start.text())
        await federation.nodes["sandnes"].stop()
        form = {"csrf": token, "lang": "en", "card_number": federation.card_number}
        async with desk.post("/staff/everywhere", data=form) as asked:
            page = await asked.text()
        assert "Oslo book" in page
        assert "Sandnes book" not in page
        assert '<th scope="row">Sandnes bibliotek</th><td>not reachable</td>' in page
        assert '<th scope="row">oslo</th><td>answered</td>' in page
        async with desk.post("/staff/everywhere", data=form | {"card_number": "0000000000"}) as unknown:
            assert "No patron here holds this card." in await unknown.text()
    issued = await statement_audit(registry_database_url, federation.registry_patron_id)
    assert [entry for entry in issued if entry[2].endswith("desk_card")] == [
        ("asker", "statement_loans_read", "oslo desk_card"), ("asker", "statement_loans_read", "sandnes desk_card"),
    ]  # fmt: skip
