"""``POST /api/staff/daily-run`` (admin): run today's circulation work now instead of waiting for midnight."""

from __future__ import annotations

from aiohttp import web

from local_library.app_keys import CLOCK, NOTICE_SENDER, POLICY, POOL
from local_library.web import json_ok, require_admin

from .run import run_daily

routes = web.RouteTableDef()


@routes.post("/api/staff/daily-run")
async def daily_run(request: web.Request) -> web.Response:
    require_admin(request)
    app = request.app
    return json_ok(await run_daily(app[POOL], app[POLICY], app[CLOCK], app[NOTICE_SENDER]))
