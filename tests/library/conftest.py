"""Fixtures for the library node: a migrated database, the shipped policies, a fixed clock, and factories."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from local_library.catalogue.models import Item, NewItem
from local_library.catalogue.queries import insert_item_if_new, item_by_barcode
from local_library.clock import FixedClock
from local_library.patrons.cards import register_institution, register_person
from local_library.patrons.models import Guardian, InstitutionRegistration, Patron, PersonRegistration
from local_library.policy import Audience, LibraryPolicy, load_builtin_policy
from plumbing.db.types import DbConnection
from registry_contract.pins import PinHasher

OSLO = ZoneInfo("Europe/Oslo")
FIRST_DAY = datetime(2025, 3, 3, 10, 0, tzinfo=OSLO)
GOOD_PIN = "4831"


@pytest.fixture(scope="session")
def asker_policy() -> LibraryPolicy:
    return load_builtin_policy("asker")


@pytest.fixture(scope="session")
def sandnes_policy() -> LibraryPolicy:
    return load_builtin_policy("sandnes")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(FIRST_DAY)


@pytest.fixture(scope="session")
def hasher() -> PinHasher:
    # Cheap Argon2 parameters: the tests check the flow, not the cost.
    return PinHasher(secrets.token_bytes(32), time_cost=1, memory_cost=1024)


@pytest.fixture
async def pool(library_database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(library_database_url, min_size=1, max_size=4)
    yield pool
    await pool.close()


@pytest.fixture
async def conn(pool: asyncpg.Pool) -> AsyncIterator[DbConnection]:
    async with pool.acquire() as connection:
        yield connection


async def add_item(
    conn: DbConnection,
    material: str,
    *,
    barcode: str | None = None,
    title: str = "Et dukkehjem",
    audience: Audience = "adult",
    purchase_price_ore: int | None = 39900,
) -> Item:
    new = NewItem(
        barcode=barcode or f"B{secrets.token_hex(4)}",
        title=title,
        material=material,
        audience=audience,
        purchase_price_ore=purchase_price_ore,
    )
    assert await insert_item_if_new(conn, new)
    return await item_by_barcode(conn, new.barcode)


async def add_patron(
    conn: DbConnection,
    policy: LibraryPolicy,
    clock: FixedClock,
    hasher: PinHasher,
    *,
    name: str = "Kari Nordmann",
    birth_date: date = date(1980, 5, 17),
    pin: str | None = GOOD_PIN,
    guardian: Guardian | None = None,
    pre_due_notice: bool = False,
) -> Patron:
    registration = PersonRegistration(
        name=name,
        birth_date=birth_date,
        email=f"{secrets.token_hex(3)}@example.org",
        postal_address="Langgata 1\n4306 Sandnes",  # an address in Norway, as Sandnes requires
        preferred_contact="email",
        guardian=guardian,
        pin=pin,
        pre_due_notice=pre_due_notice,
    )
    return await register_person(conn, policy, clock, hasher, registration)


async def add_institution(conn: DbConnection, hasher: PinHasher) -> Patron:
    registration = InstitutionRegistration(
        institution_name="Solsikken barnehage",
        responsible_person="Ola Nordmann",
        postal_address="Postboks 1, 1371 Asker",
        preferred_contact="letter",
    )
    return await register_institution(conn, load_builtin_policy("asker"), hasher, registration)
