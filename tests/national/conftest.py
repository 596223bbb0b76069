"""A registry and the asker and sandnes nodes, each on its own database, talking over real (mutual) TLS."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from local_library.app import RunningLibrary
from plumbing.keys.layout import KeyLayout
from registry.app import RunningRegistry
from tests.servers import run_library, run_registry

ADMIN_PASSWORD = "a long and unguessable admin password"
CATALOGUE = "barcode,title,material,audience,purchase_price_ore\n{prefix}-1,Kon-Tiki,{material},adult,19900\n"


class NodeError(Exception):
    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body


@dataclass
class Node:
    """A running library node and a staff session on it, as the desk uses it."""

    library: RunningLibrary
    session: aiohttp.ClientSession
    token: str = ""

    async def call(self, method: str, path: str, json: Any = None, *, data: str | None = None) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        if data is not None:
            headers["Content-Type"] = "text/csv"
        async with self.session.request(
            method, self.library.url + path, json=json, data=data, headers=headers
        ) as response:
            body = await response.json(content_type=None) if response.status != 204 else None
        return response.status, body

    async def ok(self, method: str, path: str, json: Any = None, *, data: str | None = None) -> Any:
        status, body = await self.call(method, path, json, data=data)
        if status >= 400:
            raise NodeError(status, body)
        return body

    async def stop(self) -> None:
        await self.session.close()
        await self.library.stop()


def trusting_session(keys_dir: Path) -> aiohttp.ClientSession:
    context = ssl.create_default_context(cafile=KeyLayout(keys_dir).ca_certificate)
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context))


NodeFactory = Callable[[str, str], Awaitable[Node]]


@pytest.fixture
async def registry(registry_database_url: str, keys_dir: Path) -> AsyncIterator[RunningRegistry]:
    running = await run_registry(registry_database_url, keys_dir, pin_hash_time_cost=1, pin_hash_memory_kib=1024)
    yield running
    await running.stop()


@pytest.fixture
async def start_node(
    make_library_database: Callable[[], Awaitable[str]], keys_dir: Path, tmp_path: Path
) -> AsyncIterator[NodeFactory]:
    """Start a node for a library against a registry URL, with an admin logged in and one item in stock."""
    nodes: list[Node] = []
    password_file = tmp_path / "admin-password"
    password_file.write_text(ADMIN_PASSWORD)

    async def start(library_id: str, registry_url: str) -> Node:
        library = await run_library(
            library_id, await make_library_database(), keys_dir, registry_url,
            bootstrap_admin_password_file=password_file, registry_sync_enabled=False, data_dir=tmp_path / library_id,
            local_pin_pepper_path=tmp_path / f"{library_id}-pepper.key",
        )  # fmt: skip
        node = Node(library, trusting_session(keys_dir))
        nodes.append(node)
        issued = await node.ok("POST", "/api/staff/login", {"username": "admin", "password": ADMIN_PASSWORD})
        node.token = issued["token"]
        material = "film" if library_id == "asker" else "book"
        await node.ok(
            "POST", "/api/staff/items/import", data=CATALOGUE.format(prefix=library_id.upper(), material=material)
        )
        return node

    yield start
    for node in nodes:
        await node.stop()


# The stand-in population register (tests/national/test_population_register_flow.py).
from tests.registry.population_fixtures import standin  # noqa: E402, F401
