"""Requests on one open TLS connection (keep-alive), for tests of what applies to connections already open."""

from __future__ import annotations

import asyncio
import base64
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from plumbing.keys.layout import KeyLayout
from plumbing.tls import library_client_context


def basic_authorization(keys_dir: Path, library_id: str) -> str:
    credential = KeyLayout(keys_dir).library_credential(library_id).read_text().strip()
    return "Basic " + base64.b64encode(f"{library_id}:{credential}".encode()).decode()


@contextlib.asynccontextmanager
async def library_connection(
    api_url: str, keys_dir: Path, library_id: str
) -> AsyncIterator[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    """One TCP connection with the library's client certificate, so later requests cannot be new handshakes."""
    host, port = api_url.removeprefix("https://").split(":")
    context = library_client_context(KeyLayout(keys_dir), library_id)
    reader, writer = await asyncio.open_connection(host, int(port), ssl=context, server_hostname="localhost")
    try:
        yield reader, writer
    finally:
        writer.close()


async def raw_whoami(writer: asyncio.StreamWriter, reader: asyncio.StreamReader, authorization: str) -> bytes:
    writer.write(
        (
            "GET /v1/whoami HTTP/1.1\r\nHost: localhost\r\n"
            f"Authorization: {authorization}\r\nConnection: keep-alive\r\n\r\n"
        ).encode()
    )
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
    )
    return head + await reader.readexactly(length)


async def refused_within_a_second(
    writer: asyncio.StreamWriter, reader: asyncio.StreamReader, authorization: str
) -> bytes:
    """Ask on the same connection until refused, for at most a second (the registry's promise); the last answer."""
    deadline = asyncio.get_running_loop().time() + 1.0
    while True:
        answer = await raw_whoami(writer, reader, authorization)
        if not answer.startswith(b"HTTP/1.1 200") or asyncio.get_running_loop().time() > deadline:
            return answer
        await asyncio.sleep(0.02)
