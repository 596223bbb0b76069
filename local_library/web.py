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
from plumbing.db.types import DbConnection
from plumbing.errors import DomainError, ErrorKind


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


# Row ids are PostgreSQL bigint: a larger number names no row (and would overflow in the driver, a 500).
LARGEST_ROW_ID = 2**63 - 1


def path_int(request: web.Request, name: str) -> int:
    text = request.match_info[name]
    # ASCII digits only (int() also takes "+1", " 1", "1_000" and other scripts' digits); the length check
    # comes first so a million digits are never converted.
    if not (text.isascii() and text.isdigit() and len(text) <= len(str(LARGEST_ROW_ID))) or int(text) > LARGEST_ROW_ID:
        raise DomainError(ErrorKind.NOT_FOUND, "not_found", f"no such {name.removesuffix('_id')}")
    return int(text)


def path_uuid(request: web.Request, name: str) -> UUID:
    try:
        return UUID(request.match_info[name])
    except ValueError:
        raise DomainError(ErrorKind.NOT_FOUND, "not_found", f"{name} must be a UUID") from None
