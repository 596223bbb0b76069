"""``GET /health``: answered on every listener, without authentication."""

from __future__ import annotations

import asyncpg
from aiohttp import web

from registry.api.models import Health
from registry.app_keys import POOL, SETTINGS
from registry.patrons.lookup_limits import libraries_over_limit


async def health(request: web.Request) -> web.Response:
    try:
        async with request.app[POOL].acquire() as connection:
            # Libraries refused for harvest-like lookups: an operator should ask whether a credential was stolen.
            lookup_alerts = await libraries_over_limit(connection, request.app[SETTINGS].lookup_limit)
    except (OSError, asyncpg.PostgresError):
        return web.json_response(Health(status="unavailable", database="unreachable").model_dump(), status=503)
    return web.json_response(Health(status="ok", database="ok", lookup_alerts=lookup_alerts).model_dump())
