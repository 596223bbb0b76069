"""Every listener of both services at the byte level: raw sockets against real servers on free ports.

What aiohttp does below the middlewares is checked here: oversized request lines and headers are answered
with problem+json that echoes nothing, no response names the server software, and a slow or silent client
is disconnected after the read timeout (bounded waits, no timing targets).
"""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from local_library.app import RunningLibrary
from plumbing.keys.layout import KeyLayout
from plumbing.tls import library_client_context
from registry.app import RunningRegistry
from tests.servers import run_library, run_registry

READ_TIMEOUT = 1.0
# Far above READ_TIMEOUT: only a server that never disconnects makes a test wait this long.
GIVE_UP_AFTER = 20.0
CARD_NUMBER = "4929000000001234"


@dataclass(frozen=True)
class Listener:
    name: str
    host: str
    port: int
    tls: ssl.SSLContext | None


@dataclass(frozen=True)
class Services:
    registry: RunningRegistry
    library: RunningLibrary
    listeners: list[Listener]


def _listener(name: str, url: str, tls: ssl.SSLContext | None) -> Listener:
    parts = urlsplit(url)
    assert parts.hostname is not None
    assert parts.port is not None
    return Listener(name, parts.hostname, parts.port, tls)


@pytest.fixture
async def services(registry_database_url: str, library_database_url: str, keys_dir: Path) -> AsyncIterator[Services]:
    registry = await run_registry(registry_database_url, keys_dir, read_timeout_seconds=READ_TIMEOUT)
    library = await run_library(
        "asker", library_database_url, keys_dir, registry.api_url,
        read_timeout_seconds=READ_TIMEOUT, registry_sync_enabled=False,
    )  # fmt: skip
    layout = KeyLayout(keys_dir)
    browser = ssl.create_default_context(cafile=layout.ca_certificate)
    listeners = [
        _listener("registry node API", registry.api_url, library_client_context(layout, "asker")),
        _listener("registry health", registry.health_url, None),
        _listener("registry insight site", registry.public_url, browser),
        _listener("library node", library.url, browser),
    ]
    yield Services(registry, library, listeners)
    await library.stop()
    await registry.stop()


async def _connect(listener: Listener) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection(listener.host, listener.port, ssl=listener.tls)


async def _exchange(listener: Listener, request: bytes) -> tuple[str, dict[str, str], bytes]:
    """Send raw bytes, read the whole answer (the server closes after it): status line, headers, body."""
    reader, writer = await _connect(listener)
    try:
        writer.write(request)
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), GIVE_UP_AFTER)
    finally:
        writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in header_lines)}
    return status_line, headers, body


async def _closed_by_server(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, trickle: bytes) -> int:
    """Send ``trickle`` a byte at a time, slowly; return how many bytes went out before the server hung up."""
    for sent in range(len(trickle)):
        try:
            if await asyncio.wait_for(reader.read(1), 0.1) == b"":
                return sent
        except TimeoutError:
            pass
        except ConnectionError:
            return sent
        try:
            writer.write(trickle[sent : sent + 1])
            await writer.drain()
        except ConnectionError:
            return sent
    return len(trickle)


async def test_oversized_request_lines_and_headers_are_problems_that_echo_nothing(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    long_path = f"GET /api/staff/cards/{CARD_NUMBER}{'0' * 9000} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    long_header = f"GET / HTTP/1.1\r\nHost: x\r\nX-Card: {CARD_NUMBER}{'1' * 9000}\r\n\r\n".encode()
    not_http = f"\x16\x03{CARD_NUMBER} garbage\r\n\r\n".encode()
    for listener in services.listeners:
        for request in (long_path, long_header, not_http):
            status_line, headers, body = await _exchange(listener, request)
            assert status_line.split(" ")[1] == "400", (listener.name, status_line)
            assert headers["content-type"].startswith("application/problem+json"), (listener.name, headers)
            assert "server" not in headers, (listener.name, headers)
            problem = json.loads(body)
            assert (problem["status"], problem["code"]) == (400, "bad_request")
            assert CARD_NUMBER not in body.decode()
    assert CARD_NUMBER not in caplog.text


async def test_no_response_names_the_server_software(services: Services) -> None:
    for listener in services.listeners:
        for path in ("/health", "/", "/no-such-page", "/v1/whoami"):
            request = f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode()
            status_line, headers, _ = await _exchange(listener, request)
            assert status_line.startswith("HTTP/1.1 "), (listener.name, path)
            assert "server" not in headers, (listener.name, path, status_line, headers)


async def test_a_silent_client_is_disconnected_on_every_listener(services: Services) -> None:
    for listener in services.listeners:
        reader, writer = await _connect(listener)
        try:
            assert await asyncio.wait_for(reader.read(), GIVE_UP_AFTER) == b"", listener.name
        finally:
            writer.close()
        if listener.tls is not None:
            # Not even starting the TLS handshake holds a connection either.
            reader, writer = await asyncio.open_connection(listener.host, listener.port)
            try:
                assert await asyncio.wait_for(reader.read(), GIVE_UP_AFTER) == b"", listener.name
            finally:
                writer.close()


async def test_a_client_trickling_its_headers_is_disconnected_on_every_listener(services: Services) -> None:
    # At one byte per 0.1 s these headers would take 40 s; the read timeout ends it long before.
    headers = b"GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + b"a" * 400 + b"\r\n\r\n"
    for listener in services.listeners:
        reader, writer = await _connect(listener)
        try:
            sent = await asyncio.wait_for(_closed_by_server(reader, writer, headers), GIVE_UP_AFTER + 40)
        finally:
            writer.close()
        assert sent < len(headers) // 2, (listener.name, sent)


async def test_a_client_trickling_its_body_gets_408(services: Services) -> None:
    library = next(listener for listener in services.listeners if listener.name == "library node")
    reader, writer = await _connect(library)
    try:
        writer.write(
            b"POST /api/staff/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            b"Content-Length: 400\r\n\r\n{"
        )
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), GIVE_UP_AFTER)
    finally:
        writer.close()
    assert status_line.split(b" ")[1] == b"408", status_line
