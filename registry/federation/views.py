"""``GET /v1/libraries``: the library directory, for nodes to find and check each other."""

from __future__ import annotations

from aiohttp import web

from registry.app_keys import CORE, LIBRARY_DIRECTORY
from registry.federation.profiles import library_directory


async def list_libraries(request: web.Request) -> web.Response:
    async with request.app[CORE].pool.acquire() as connection:
        listing = await library_directory(connection, request.app[LIBRARY_DIRECTORY])
    return web.Response(text=listing.model_dump_json(), content_type="application/json")
