"""A registry and library nodes with their peer listeners, over real mutual TLS, for interlibrary tests.

Nodes are started with background delivery off, so a test says when each outbox is delivered; the library
directory is cached briefly, so a node restarted on a new peer port is found again at once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from local_library import app_keys
from local_library.interlibrary.outbox import PeerDeliveryReport
from registry.app import RunningRegistry
from tests.federation.conftest import ProfileSetter
from tests.national.conftest import ADMIN_PASSWORD, Node, trusting_session
from tests.servers import run_library

DIRECTORY_MAX_AGE_SECONDS = 0.1
CATALOGUE = (
    "barcode,title,material,audience,purchase_price_ore,author,isbn\n"
    "{prefix}-1,Markens grøde,book,adult,39900,Knut Hamsun,9788205000000\n"
    "{prefix}-2,Sult,book,adult,29900,Knut Hamsun,\n"
)


@dataclass
class Library:
    """One library: its database (kept across restarts) and, while it runs, its node."""

    library_id: str
    database_url: str
    node: Node | None = None

    @property
    def running(self) -> Node:
        assert self.node is not None, f"{self.library_id} is stopped"
        return self.node

    async def deliver(self) -> PeerDeliveryReport:
        return await self.running.library.runner.app[app_keys.INTERLIBRARY].deliver()


@dataclass
class Federation:
    start: Callable[[Library], Awaitable[Node]]
    libraries: dict[str, Library] = field(default_factory=dict)

    async def stop(self, library_id: str) -> None:
        library = self.libraries[library_id]
        await library.running.stop()
        library.node = None


@pytest.fixture
async def federation(
    make_library_database: Callable[[], Awaitable[str]],
    keys_dir: Path,
    tmp_path: Path,
    registry: RunningRegistry,
    set_federation_profile: ProfileSetter,
) -> AsyncIterator[Federation]:
    password_file = tmp_path / "admin-password"
    password_file.write_text(ADMIN_PASSWORD)

    async def start(library: Library) -> Node:
        running = await run_library(
            library.library_id, library.database_url, keys_dir, registry.api_url,
            bootstrap_admin_password_file=password_file, registry_sync_enabled=False,
            interlibrary_delivery_enabled=False, directory_max_age_seconds=DIRECTORY_MAX_AGE_SECONDS,
            peer_timeout_seconds=2.0,
            data_dir=tmp_path / library.library_id, local_pin_pepper_path=tmp_path / f"{library.library_id}-pepper.key",
        )  # fmt: skip
        assert running.peer_url is not None
        await set_federation_profile(library.library_id, running.peer_url, offers_requests=True)
        node = Node(running, trusting_session(keys_dir))
        issued = await node.ok("POST", "/api/staff/login", {"username": "admin", "password": ADMIN_PASSWORD})
        node.token = issued["token"]
        library.node = node
        return node

    federation = Federation(start)
    for library_id in ("asker", "sandnes"):
        library = Library(library_id, await make_library_database())
        federation.libraries[library_id] = library
        node = await start(library)
        await node.ok("POST", "/api/staff/items/import", data=CATALOGUE.format(prefix=library_id.upper()))
    yield federation
    for library in federation.libraries.values():
        if library.node is not None:
            await library.node.stop()
