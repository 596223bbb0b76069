"""Reading a request body within a time limit, so a client that trickles its body cannot hold a handler."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from aiohttp import web

BODY_READ_TIMEOUT = web.AppKey("body_read_timeout_seconds", float)
"""Set by ``plumbing.http.listeners.ListenerRunner`` from the service's read timeout."""

DEFAULT_BODY_READ_TIMEOUT_SECONDS = 30.0

T = TypeVar("T")


async def within_read_timeout(request: web.Request, reading: Awaitable[T]) -> T:
    """Await ``reading`` (``request.read()``, ``request.post()``); too slow is a 408 problem."""
    seconds = request.config_dict.get(BODY_READ_TIMEOUT, DEFAULT_BODY_READ_TIMEOUT_SECONDS)
    try:
        async with asyncio.timeout(seconds):
            return await reading
    except TimeoutError:
        raise web.HTTPRequestTimeout() from None
