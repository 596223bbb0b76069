"""The eID stand-in (an OpenID Connect provider over real TLS), a registry that trusts it, and the asker and
sandnes nodes as its relying parties, each on its own database; and a patron's browser walking the flow.

The browser is an aiohttp session with a cookie jar (the flow is plain redirects and one form, no
JavaScript), so each step can be inspected and tampered with; ``test_self_registration_browser.py`` walks
the same flow in Chromium.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import aiohttp
import pytest

from local_library.app import RunningLibrary
from natreg.eid_standin import ACR_SUBSTANTIAL, RegisteredClient, RunningStandin, TestIdentity, start_standin
from plumbing.keys.layout import KeyLayout
from plumbing.tls import public_server_context
from registry.app import RunningRegistry
from registry_contract.national_id import generate_synthetic_national_id
from tests.servers import run_library, run_registry

LIBRARIES = ("asker", "sandnes")
EID_TIMEOUT_SECONDS = 3.0
"""The nodes' timeout towards the stand-in (the slow-provider test waits longer than this)."""


def client_id(library_id: str) -> str:
    return f"natreg-{library_id}"


def synthetic_person(age: int, seed: int) -> str:
    """A synthetic national ID (month + 80) of someone ``age`` years old today, 40 days past their birthday."""
    today = dt.datetime.now(dt.UTC).date()
    birth = today.replace(year=today.year - age, day=min(today.day, 28)) - dt.timedelta(days=40)
    return generate_synthetic_national_id(random.Random(seed), birth)


@dataclass
class EidWorld:
    standin: RunningStandin
    registry: RunningRegistry
    nodes: dict[str, RunningLibrary]
    ca_file: Path
    restart_registry: Callable[[], Awaitable[RunningRegistry]]
    """Start the registry again on its database and port (after a test stopped it)."""
    people: dict[str, str] = field(default_factory=dict)
    """Test identities by role: adult, other_adult, teen (16), child (10), guardian."""

    def browser(self) -> PatronBrowser:
        context = ssl.create_default_context(cafile=str(self.ca_file))
        session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(ssl=context), cookie_jar=aiohttp.CookieJar(unsafe=True)
        )
        return PatronBrowser(session, self)


@dataclass
class PatronBrowser:
    """A patron's browser: follows the flow one request at a time (cookies kept, redirects inspected)."""

    session: aiohttp.ClientSession
    world: EidWorld

    async def start(self, library_id: str, *, for_child: bool = False) -> str:
        """Ask the node to start; returns the provider's authorization URL it sent the browser to."""
        query = "?for=child&lang=en" if for_child else "?lang=en"
        url = f"{self.world.nodes[library_id].url}/minside/new-card/start{query}"
        async with self.session.get(url, allow_redirects=False) as response:
            assert response.status == 303, await response.text()
            return response.headers["Location"]

    async def sign_in_at_provider(self, authorization_url: str, pid: str, acr: str = ACR_SUBSTANTIAL) -> str:
        """Pick an identity on the provider's page; returns the callback URL (with code and state) it redirects to."""
        async with self.session.get(authorization_url, allow_redirects=False) as page:
            assert page.status == 200, await page.text()
        params = dict(parse_qsl(urlsplit(authorization_url).query))
        form = {**params, "pid": pid, "acr": acr}
        async with self.session.post(
            f"{self.world.standin.url}/authorize", data=form, allow_redirects=False
        ) as response:
            assert response.status == 302, await response.text()
            return response.headers["Location"]

    async def return_to_node(self, callback_url: str) -> tuple[int, str]:
        """Follow the provider's redirect back; (status, page) — a 303 to the form on success."""
        async with self.session.get(callback_url, allow_redirects=False) as response:
            return response.status, (response.headers.get("Location") or await response.text())

    async def sign_in(self, library_id: str, pid: str, *, for_child: bool = False) -> None:
        callback = await self.sign_in_at_provider(await self.start(library_id, for_child=for_child), pid)
        status, location = await self.return_to_node(callback)
        assert status == 303, location
        assert location.startswith("/minside/new-card/form")

    async def form_page(self, library_id: str) -> tuple[int, str]:
        async with self.session.get(f"{self.world.nodes[library_id].url}/minside/new-card/form?lang=en") as response:
            return response.status, await response.text()

    async def submit(self, library_id: str, fields: dict[str, str]) -> tuple[int, str]:
        status, page = await self.form_page(library_id)
        assert status == 200, page
        match = re.search(r'name="csrf" value="([^"]+)"', page)
        assert match is not None
        form = {"csrf": match[1], "lang": "en", **fields}
        url = f"{self.world.nodes[library_id].url}/minside/new-card/form"
        async with self.session.post(url, data=form, allow_redirects=False) as response:
            return response.status, await response.text()

    async def close(self) -> None:
        await self.session.close()


def adult_form(**overrides: str) -> dict[str, str]:
    return {
        "name": "Kari Nordmann", "email": "kari@example.org", "preferred_contact": "email", "card_kind": "national",
        # An address in Norway: Sandnes issues cards only to those with one (issue 17).
        "address_line": "Storgata 1", "postal_code": "4306", "city": "Sandnes",
        "pin": "4815", "pin_again": "4815", "accept_rules": "yes", **overrides,
    }  # fmt: skip


def card_number_on(page: str) -> str:
    match = re.search(r"The card number is (L?[0-9]+)\.", page)
    assert match is not None, page
    return match[1]


@pytest.fixture
async def eid_world(
    registry_database_url: str, make_library_database: Callable[[], Awaitable[str]], keys_dir: Path, tmp_path: Path
) -> AsyncIterator[EidWorld]:
    layout = KeyLayout(keys_dir)
    people = {
        "adult": synthetic_person(34, 1), "other_adult": synthetic_person(52, 2), "teen": synthetic_person(16, 3),
        "child": synthetic_person(10, 4), "guardian": synthetic_person(41, 5),
    }  # fmt: skip
    identities = [TestIdentity(pid=pid, label=role) for role, pid in people.items() if role != "child"]
    secrets = {library_id: f"secret of {library_id} at the stand-in" for library_id in LIBRARIES}
    clients = [
        RegisteredClient(
            client_id=client_id(library_id), client_secret=secret,
            redirect_uris=(),  # filled in once the nodes' ports are known
        )
        for library_id, secret in secrets.items()
    ]  # fmt: skip
    # The stand-in serves TLS with a certificate of the private CA, as ID-porten serves a public one.
    tls = public_server_context(layout.registry_server_certificate, layout.registry_server_key)
    standin = await start_standin(clients=clients, identities=identities, ssl_context=tls)
    registry_options: dict[str, object] = {
        "pin_hash_time_cost": 1, "pin_hash_memory_kib": 1024, "eid_issuer": standin.url,
        "eid_client_ids": {library_id: client_id(library_id) for library_id in LIBRARIES},
        "eid_ca_file": layout.ca_certificate,
    }  # fmt: skip
    registry = await run_registry(registry_database_url, keys_dir, **registry_options)

    async def restart_registry() -> RunningRegistry:
        port = int(registry.api_url.rsplit(":", 1)[1])
        world.registry = await run_registry(registry_database_url, keys_dir, **registry_options, port=port)
        return world.registry

    nodes: dict[str, RunningLibrary] = {}
    for library_id, secret in secrets.items():
        secret_file = tmp_path / f"{library_id}-eid-secret"
        secret_file.write_text(secret)
        nodes[library_id] = await run_library(
            library_id, await make_library_database(), keys_dir, registry.api_url, registry_sync_enabled=False,
            data_dir=tmp_path / library_id, local_pin_pepper_path=tmp_path / f"{library_id}-pepper.key",
            eid_issuer=standin.url, eid_client_id=client_id(library_id), eid_client_secret_file=secret_file,
            eid_ca_file=layout.ca_certificate, eid_timeout_seconds=EID_TIMEOUT_SECONDS,
        )  # fmt: skip
        registered = standin.provider.clients[client_id(library_id)]
        standin.provider.clients[registered.client_id] = RegisteredClient(
            registered.client_id, registered.client_secret, (f"{nodes[library_id].url}/minside/new-card/callback",)
        )
    world = EidWorld(
        standin=standin, registry=registry, nodes=nodes, ca_file=layout.ca_certificate,
        restart_registry=restart_registry, people=people,
    )  # fmt: skip
    yield world
    for node in nodes.values():
        await node.stop()
    await world.registry.stop()
    await standin.stop()


@pytest.fixture
async def browser_of(eid_world: EidWorld) -> AsyncIterator[Callable[[], PatronBrowser]]:
    opened: list[PatronBrowser] = []

    def open_browser() -> PatronBrowser:
        browser = eid_world.browser()
        opened.append(browser)
        return browser

    yield open_browser
    for browser in opened:
        await browser.close()
