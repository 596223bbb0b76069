"""``GET /health`` and ``GET /status/registry``."""

from __future__ import annotations

import asyncpg
from aiohttp import web

from local_library.app_keys import POOL, REGISTRY
from local_library.status.checks import registry_identity
from local_library.status.queries import database_answers


async def health(request: web.Request) -> web.Response:
    try:
        async with request.app[POOL].acquire() as conn:
            await database_answers(conn)
    except (OSError, asyncpg.PostgresError):
        return web.json_response({"status": "unavailable", "database": "unreachable"}, status=503)
    return web.json_response({"status": "ok", "database": "ok"})


async def registry_status(request: web.Request) -> web.Response:
    """Ask the registry who it thinks we are: proves certificates, credentials and network end to end."""
    library_id = await registry_identity(request.app[REGISTRY])
    return web.json_response({"registry": "reachable", "library_id": library_id})
