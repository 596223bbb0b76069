"""Shared fixtures: one embedded PostgreSQL per test session, a fresh database per test, real keys.

Each service's schema is migrated once into a template database; every test gets its own database
cloned from that template, which is much faster than migrating per test and keeps tests independent.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import asyncpg
import pytest
from playwright.async_api import Browser, async_playwright

from local_library.migrations import MIGRATIONS_PACKAGE as LIBRARY_MIGRATIONS
from plumbing.db.embedded import EmbeddedPostgres
from plumbing.db.migrations import apply_migrations
from plumbing.keys.pki import init_keys
from registry.migrations import MIGRATIONS_PACKAGE as REGISTRY_MIGRATIONS
from tests.fixed_ports import documented_fixed_ports, holding

TEST_LIBRARIES = ("asker", "sandnes", "oslo")
# The names people read (the registry's library list); oslo keeps only its id, as `keys init --library` leaves it.
TEST_LIBRARY_NAMES = {"asker": {"nb": "Asker bibliotek", "en": "Asker Library"}, "sandnes": {"nb": "Sandnes bibliotek"}}
TEMPLATES = {"registry": REGISTRY_MIGRATIONS, "library": LIBRARY_MIGRATIONS}


@pytest.fixture(scope="session", autouse=True)
def no_local_data_folders(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Commands under test never find the developer's own ``.natreg`` (a demo's database and data next to the
    checkout): with it, `natreg keys ...` would publish to that database instead of the test's."""
    with pytest.MonkeyPatch.context() as patch:
        for service in ("REGISTRY", "LIBRARY"):
            patch.setenv(f"NATREG_{service}_DATA_DIR", str(tmp_path_factory.mktemp(f"{service.lower()}-data")))
        yield


@pytest.fixture(scope="session")
def postgres() -> Iterator[EmbeddedPostgres]:
    with traversable_temp_dir() as folder:
        server = EmbeddedPostgres(folder / "pgdata")
        server.start()
        yield server
        server.stop()


@contextlib.contextmanager
def traversable_temp_dir() -> Iterator[Path]:
    """A temp folder the embedded server's own user can reach when tests run as root.

    pytest's temp folders are private to the user, which would send the data to the fallback location
    (see ``reachable_data_dir``) and leave it behind.
    """
    folder = Path(tempfile.mkdtemp(prefix="natreg-test-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
async def database_templates(postgres: EmbeddedPostgres) -> dict[str, str]:
    admin = await asyncpg.connect(postgres.dsn())
    try:
        for service, package in TEMPLATES.items():
            name = f"template_{service}"
            await admin.execute(f"DROP DATABASE IF EXISTS {name}")
            await admin.execute(f"CREATE DATABASE {name}")
            connection = await asyncpg.connect(postgres.dsn(name))
            try:
                await apply_migrations(connection, package)
            finally:
                await connection.close()
    finally:
        await admin.close()
    return {service: f"template_{service}" for service in TEMPLATES}


async def _fresh_database(postgres: EmbeddedPostgres, template: str) -> AsyncIterator[str]:
    name = f"test_{uuid.uuid4().hex[:16]}"
    admin = await asyncpg.connect(postgres.dsn())
    try:
        await admin.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    finally:
        await admin.close()
    yield postgres.dsn(name)
    admin = await asyncpg.connect(postgres.dsn())
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        await admin.close()


@pytest.fixture
async def registry_database_url(postgres: EmbeddedPostgres, database_templates: dict[str, str]) -> AsyncIterator[str]:
    async for dsn in _fresh_database(postgres, database_templates["registry"]):
        yield dsn


@pytest.fixture
async def library_database_url(postgres: EmbeddedPostgres, database_templates: dict[str, str]) -> AsyncIterator[str]:
    async for dsn in _fresh_database(postgres, database_templates["library"]):
        yield dsn


@pytest.fixture
async def make_library_database(
    postgres: EmbeddedPostgres, database_templates: dict[str, str]
) -> AsyncIterator[Callable[[], Awaitable[str]]]:
    """For tests that run several library nodes: each call gives one more fresh, migrated node database."""
    cleanups: list[AsyncIterator[str]] = []

    async def make() -> str:
        databases = _fresh_database(postgres, database_templates["library"])
        cleanups.append(databases)
        return await anext(databases)

    yield make
    for databases in cleanups:
        async for _ in databases:
            pass


@pytest.fixture
async def empty_database_url(postgres: EmbeddedPostgres) -> AsyncIterator[str]:
    async for dsn in _fresh_database(postgres, "template0"):
        yield dsn


@pytest.fixture(scope="session")
def keys_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Key material shared by the session's tests; tests that revoke or rotate make their own."""
    root = tmp_path_factory.mktemp("keys")
    init_keys(root, TEST_LIBRARIES, library_names=TEST_LIBRARY_NAMES)
    return root


@pytest.fixture
def own_keys_dir(tmp_path: Path) -> Path:
    """Key material for one test, for tests that change it (revocation, rotation)."""
    root = tmp_path / "keys"
    init_keys(root, TEST_LIBRARIES, library_names=TEST_LIBRARY_NAMES)
    return root


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# As root and offline: no sandbox, and none of Chromium's calls home (they would fail, many at a time).
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Debian's Chromium driven by Playwright (Playwright's own browser download cannot work here)."""
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


@pytest.fixture(scope="session", autouse=True)
def fixed_ports_taken() -> Iterator[list[int]]:
    """The ports a running `natreg demo` listens on are taken for the whole session (see tests/fixed_ports.py)."""
    with holding(documented_fixed_ports()) as held:
        yield held
