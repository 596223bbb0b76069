"""A library node serving Min side over real HTTPS, with a fixed clock, and the patrons and items it lends.

The node is the one ``create_app`` builds, started the way ``start_library`` starts it; only the clock and the
PIN hasher are swapped before start (cheap Argon2, a clock the tests move), as the app factory allows.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import asyncpg
import pytest
from aiohttp import web

from local_library import app_keys
from local_library.app import create_app
from local_library.circulation.fees import Fee, charge_fee
from local_library.circulation.lending import check_out, return_item
from local_library.circulation.models import Loan, Reservation
from local_library.circulation.reservations import reserve
from local_library.clock import FixedClock
from local_library.patrons.models import Patron
from local_library.policy import LibraryPolicy
from local_library.settings import LibrarySettings
from plumbing.db.types import DbConnection
from plumbing.http.sites import start_site
from plumbing.keys.layout import KeyLayout
from plumbing.tls import public_server_context
from registry_contract.pins import PinHasher
from tests.library.conftest import FIRST_DAY, add_item, add_patron, asker_policy, clock, conn, hasher, pool

__all__ = ["asker_policy", "clock", "conn", "hasher", "pool"]  # the library fixtures, used here as well

DEAD_REGISTRY = "https://127.0.0.1:9"  # nothing listens there: local cards never need the registry


@dataclass
class Node:
    url: str
    app: web.Application
    clock: FixedClock
    policy: LibraryPolicy
    hasher: PinHasher
    pool: asyncpg.Pool
    ca_file: Path

    def client(self) -> aiohttp.ClientSession:
        """A client that trusts the private CA and keeps cookies like a browser (IP host included)."""
        context = ssl.create_default_context(cafile=str(self.ca_file))
        return aiohttp.ClientSession(
            base_url=self.url,
            connector=aiohttp.TCPConnector(ssl=context),
            cookie_jar=aiohttp.CookieJar(unsafe=True),
        )


@pytest.fixture
async def node(library_database_url: str, keys_dir: Path, tmp_path: Path, hasher: PinHasher) -> AsyncIterator[Node]:
    settings = LibrarySettings(
        library_id="asker",
        database_url=library_database_url,
        keys_dir=keys_dir,
        data_dir=tmp_path,
        registry_url=DEAD_REGISTRY,
        registry_retries=1,
        registry_timeout_seconds=1.0,
        local_pin_pepper_path=tmp_path / "pin-pepper.key",
        daily_run_enabled=False,
        host="127.0.0.1",
        port=0,
    )
    app = create_app(settings)
    node_clock = FixedClock(FIRST_DAY)
    app[app_keys.CLOCK] = node_clock
    app[app_keys.PIN_HASHER] = hasher
    layout = KeyLayout(keys_dir)
    context = public_server_context(
        str(layout.library_server_certificate("asker")), str(layout.library_server_key("asker"))
    )
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        port = await start_site(runner, web.TCPSite(runner, settings.host, 0, ssl_context=context))
        yield Node(
            url=f"https://127.0.0.1:{port}",
            app=app,
            clock=node_clock,
            policy=app[app_keys.POLICY],
            hasher=hasher,
            pool=app[app_keys.POOL],
            ca_file=layout.ca_certificate,
        )
    finally:
        await runner.cleanup()


@dataclass(frozen=True)
class Shelf:
    """One local patron's situation at Asker, as Min side should show it."""

    patron: Patron
    other: Patron
    book_loan: Loan
    """A book, due in 28 days under Asker's rules, that can be renewed."""
    film_loan: Loan
    """A film, due in 7 days, that another patron has reserved: its renewal is refused."""
    ready: Reservation
    """On the pickup shelf, with a reference number and a pickup deadline."""
    waiting: Reservation
    """In the queue for an item someone else has."""
    fee: Fee

    @property
    def card_number(self) -> str:
        assert self.patron.card_number is not None
        return self.patron.card_number


async def stock_shelf(conn: DbConnection, policy: LibraryPolicy, clock: FixedClock, hasher: PinHasher) -> Shelf:
    patron = await add_patron(conn, policy, clock, hasher, name="Kari Minside")
    other = await add_patron(conn, policy, clock, hasher, name="Ola Annen")
    assert patron.card_number is not None
    assert other.card_number is not None
    book = await add_item(conn, "book", title="Sult")
    film = await add_item(conn, "film", title="Kon-Tiki")
    on_shelf = await add_item(conn, "book", title="Pelle og Proffen", audience="child")
    elsewhere = await add_item(conn, "book", title="Markens grøde")
    returned = await add_item(conn, "book", title="Victoria")
    book_loan = await check_out(conn, policy, clock, patron.card_number, book.barcode)
    film_loan = await check_out(conn, policy, clock, patron.card_number, film.barcode)
    await reserve(conn, policy, clock, other.card_number, film.barcode)
    await check_out(conn, policy, clock, other.card_number, elsewhere.barcode)
    ready = await reserve(conn, policy, clock, patron.card_number, on_shelf.barcode)
    waiting = await reserve(conn, policy, clock, patron.card_number, elsewhere.barcode)
    await check_out(conn, policy, clock, patron.card_number, returned.barcode)
    await return_item(conn, policy, clock, returned.barcode)
    fee = await charge_fee(conn, patron_id=patron.patron_id, kind="new_card", amount_ore=4000, charged_on=clock.today())
    assert fee is not None
    return Shelf(patron, other, book_loan, film_loan, ready, waiting, fee)


@pytest.fixture
async def shelf(node: Node) -> Shelf:
    async with node.pool.acquire() as connection, connection.transaction():
        return await stock_shelf(connection, node.policy, node.clock, node.hasher)
