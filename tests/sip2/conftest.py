"""A running Asker node with a SIP2 listener on a free port, local patrons, items and terminal accounts.

The registry is unreachable here: local cards are checked by the node itself, which is the path these tests
drive; national cards go through the same ``log_in_patron`` the desk tests cover.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from local_library import app_keys
from local_library.app import RunningLibrary
from local_library.sip2.terminals import create_terminal
from plumbing.keys.layout import KeyLayout
from tests.servers import run_library

ADMIN_PASSWORD = "correct horse battery staple"
PIN = "4831"
CATALOGUE = """barcode,title,material,audience,purchase_price_ore
F-1,Kon-Tiki,film,adult,19900
Q-1,Sult,quick_loan_book,adult,34900
B-1,Blåbærturen på Ærø,book,adult,24900
B-2,Pelle og Proffen,book,child,24900
"""


@dataclass
class Sip2Node:
    library: RunningLibrary
    http: aiohttp.ClientSession
    token: str = ""
    terminals: dict[str, str] = field(default_factory=dict)

    async def ok(self, method: str, path: str, json: Any = None, *, data: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        if data is not None:
            headers["Content-Type"] = "text/csv"
        async with self.http.request(method, self.library.url + path, json=json, data=data, headers=headers) as r:
            body = await r.json(content_type=None) if r.status != 204 else None
            assert r.status < 400, body
            return body

    async def register(self, name: str) -> dict[str, Any]:
        patron = {"name": name, "birth_date": "1980-05-17", "email": "x@example.org", "preferred_contact": "email"}
        result: dict[str, Any] = await self.ok("POST", "/api/staff/patrons", {**patron, "pin": PIN})
        return result

    async def add_terminal(self, name: str, **options: Any) -> str:
        app = self.library.runner.app
        async with app[app_keys.POOL].acquire() as conn:
            password = await create_terminal(conn, app[app_keys.STAFF_HASHER], name, institution_id="asker", **options)
        self.terminals[name] = password
        return password

    @property
    def port(self) -> int:
        assert self.library.sip2_port is not None
        return self.library.sip2_port


@pytest.fixture
async def node(library_database_url: str, keys_dir: Path, tmp_path: Path) -> AsyncIterator[Sip2Node]:
    password_file = tmp_path / "admin-password"
    password_file.write_text(ADMIN_PASSWORD)
    library = await run_library(
        "asker", library_database_url, keys_dir, "https://127.0.0.1:9",
        bootstrap_admin_password_file=password_file, registry_sync_enabled=False, data_dir=tmp_path,
        local_pin_pepper_path=tmp_path / "pepper.key", host="127.0.0.1",
    )  # fmt: skip
    context = ssl.create_default_context(cafile=KeyLayout(keys_dir).ca_certificate)
    http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context))
    running = Sip2Node(library, http)
    try:
        issued = await running.ok("POST", "/api/staff/login", {"username": "admin", "password": ADMIN_PASSWORD})
        running.token = issued["token"]
        await running.ok("POST", "/api/staff/items/import", data=CATALOGUE)
        yield running
    finally:
        await http.close()
        await library.stop()


class Terminal:
    """A SIP2 terminal over a real socket: sends raw frames, reads answers up to CR."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def send(self, frame: bytes) -> bytes:
        self.writer.write(frame)
        await self.writer.drain()
        return await self.receive()

    async def receive(self) -> bytes:
        return await asyncio.wait_for(self.reader.readuntil(b"\r"), 10)

    async def closed(self) -> bool:
        return await asyncio.wait_for(self.reader.read(), 10) == b""

    async def close(self) -> None:
        self.writer.close()


Connect = Callable[..., Awaitable[Terminal]]


@pytest.fixture
async def connect(node: Sip2Node) -> AsyncIterator[Connect]:
    opened: list[Terminal] = []

    async def open_terminal(host: str = "127.0.0.1") -> Terminal:
        reader, writer = await asyncio.open_connection(host, node.port)
        terminal = Terminal(reader, writer)
        opened.append(terminal)
        return terminal

    yield open_terminal
    for terminal in opened:
        await terminal.close()
