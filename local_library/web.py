"""Small helpers every staff view uses: one transaction per request, JSON out, and role checks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

from aiohttp import web
from pydantic_core import to_jsonable_python

from local_library.app_keys import POOL, STAFF
from local_library.staff.models import StaffMember
from natreg.db.types import DbConnection
from natreg.errors import DomainError, ErrorKind


@asynccontextmanager
async def transaction(request: web.Request) -> AsyncIterator[DbConnection]:
    """A connection in a transaction for the whole operation: it commits entirely or not at all."""
    async with request.app[POOL].acquire() as conn, conn.transaction():
        yield conn


def json_ok(value: Any, *, status: int = 200) -> web.Response:
    """Serialise pydantic models, dataclasses, dates and UUIDs alike."""
    return web.json_response(to_jsonable_python(value), status=status)


def require_admin(request: web.Request) -> StaffMember:
    member = request[STAFF]
    if not member.is_admin:
        raise DomainError(ErrorKind.FORBIDDEN, "admin_required", "this needs a staff account with the admin role")
    return member


def path_int(request: web.Request, name: str) -> int:
    try:
        return int(request.match_info[name])
    except ValueError:
        raise DomainError(ErrorKind.NOT_FOUND, "not_found", f"{name} must be a number") from None


def path_uuid(request: web.Request, name: str) -> UUID:
    try:
        return UUID(request.match_info[name])
    except ValueError:
        raise DomainError(ErrorKind.NOT_FOUND, "not_found", f"{name} must be a UUID") from None
