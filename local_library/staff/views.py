"""``/api/staff/login``, ``/logout``, ``/me`` and ``/accounts`` (admin)."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from local_library.app_keys import CLOCK, SETTINGS, STAFF, STAFF_HASHER, STAFF_LOGIN_LIMITER
from local_library.web import json_ok, require_admin, transaction
from plumbing.http.problems import parse_json_body

from .accounts import create_staff_account, log_in, log_out
from .auth import bearer_token
from .models import LoginRequest, NewStaffAccount
from .queries import list_accounts

routes = web.RouteTableDef()


@routes.post("/api/staff/login")
async def login(request: web.Request) -> web.Response:
    # Before parsing or any password work: a refused attempt costs the node nothing.
    request.app[STAFF_LOGIN_LIMITER].check(request.remote, request.app[CLOCK].now().timestamp())
    body = await parse_json_body(request, LoginRequest)
    lifetime = timedelta(hours=request.app[SETTINGS].staff_token_hours)
    async with transaction(request) as conn:
        issued = await log_in(
            conn, request.app[STAFF_HASHER], request.app[CLOCK], body.username, body.password, lifetime=lifetime
        )
    return json_ok(issued)


@routes.post("/api/staff/logout")
async def logout(request: web.Request) -> web.Response:
    async with transaction(request) as conn:
        await log_out(conn, bearer_token(request))
    return web.Response(status=204)


@routes.get("/api/staff/me")
async def me(request: web.Request) -> web.Response:
    return json_ok(request[STAFF])


@routes.post("/api/staff/accounts")
async def add_account(request: web.Request) -> web.Response:
    require_admin(request)
    body = await parse_json_body(request, NewStaffAccount)
    async with transaction(request) as conn:
        member = await create_staff_account(
            conn, body.username, body.password, body.role, hasher=request.app[STAFF_HASHER]
        )
    return json_ok(member, status=201)


@routes.get("/api/staff/accounts")
async def accounts(request: web.Request) -> web.Response:
    require_admin(request)
    async with transaction(request) as conn:
        return json_ok(await list_accounts(conn))
