"""``GET /health``: answered on every listener, without authentication."""

from __future__ import annotations

import asyncpg
from aiohttp import web

from registry.api.models import Health
from registry.app_keys import POOL


async def health(request: web.Request) -> web.Response:
    try:
        await request.app[POOL].fetchval("SELECT 1")
    except (OSError, asyncpg.PostgresError):
        return web.json_response(Health(status="unavailable", database="unreachable").model_dump(), status=503)
    return web.json_response(Health(status="ok", database="ok").model_dump())
