"""SIP2 over TLS with the node's own certificate, for terminals that can (plain TCP is refused then)."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable
from pathlib import Path

import pysip2
import pytest

from local_library import app_keys
from local_library.sip2.terminals import create_terminal
from plumbing.keys.layout import KeyLayout
from tests.servers import run_library


async def test_a_terminal_logs_in_over_tls(
    make_library_database: Callable[[], Awaitable[str]], keys_dir: Path, tmp_path: Path
) -> None:
    library = await run_library(
        "sandnes", await make_library_database(), keys_dir, "https://127.0.0.1:9", registry_sync_enabled=False,
        data_dir=tmp_path, local_pin_pepper_path=tmp_path / "pepper.key", host="127.0.0.1", sip2_tls=True,
    )  # fmt: skip
    try:
        app = library.runner.app
        async with app[app_keys.POOL].acquire() as conn:
            password = await create_terminal(conn, app[app_keys.STAFF_HASHER], "tls-kiosk", institution_id="sandnes")
        context = ssl.create_default_context(cafile=KeyLayout(keys_dir).ca_certificate)
        reader, writer = await asyncio.open_connection("127.0.0.1", library.sip2_port, ssl=context)
        login = pysip2.LoginRequest(
            uid_algorithm="0", pwd_algorithm="0", login_user_id="tls-kiosk", login_password=password, location_code=None
        )
        writer.write(pysip2.encode_message(login))
        answer = pysip2.decode_message(await asyncio.wait_for(reader.readuntil(b"\r"), 10)).message
        assert answer.ok == "1"
        writer.close()

        # A terminal speaking plain TCP to the TLS listener gets no SIP2 answer.
        plain_reader, plain_writer = await asyncio.open_connection("127.0.0.1", library.sip2_port)
        plain_writer.write(pysip2.encode_message(login))
        with pytest.raises((asyncio.IncompleteReadError, ConnectionError)):
            await asyncio.wait_for(plain_reader.readuntil(b"\r"), 10)
        plain_writer.close()
    finally:
        await library.stop()
