"""The middleware that lets only logged-in staff reach ``/api/staff/``, login itself excepted."""

from __future__ import annotations

from aiohttp import web

from local_library.app_keys import CLOCK, POOL, STAFF
from plumbing.errors import DomainError, ErrorKind
from plumbing.http.problems import Handler

from .accounts import staff_for_token

STAFF_PREFIX = "/api/staff/"
PUBLIC_STAFF_PATHS = frozenset({"/api/staff/login"})


def bearer_token(request: web.Request) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise DomainError(ErrorKind.UNAUTHENTICATED, "login_required", "log in and send the token as a bearer token")
    return token.strip()


@web.middleware
async def staff_auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    path = request.rel_url.path
    if path.startswith(STAFF_PREFIX) and path not in PUBLIC_STAFF_PATHS:
        token = bearer_token(request)
        async with request.app[POOL].acquire() as conn:
            request[STAFF] = await staff_for_token(conn, request.app[CLOCK], token)
    return await handler(request)
