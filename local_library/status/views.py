"""``GET /health`` and ``GET /status/registry``."""

from __future__ import annotations

import asyncpg
from aiohttp import web

from local_library.app_keys import POOL, REGISTRY
from plumbing.errors import DomainError, ErrorKind
from registry_contract.client import RegistryError, RegistryUnavailableError


async def health(request: web.Request) -> web.Response:
    try:
        await request.app[POOL].fetchval("SELECT 1")
    except (OSError, asyncpg.PostgresError):
        return web.json_response({"status": "unavailable", "database": "unreachable"}, status=503)
    return web.json_response({"status": "ok", "database": "ok"})


async def registry_status(request: web.Request) -> web.Response:
    """Ask the registry who it thinks we are: proves certificates, credentials and network end to end."""
    try:
        identity = await request.app[REGISTRY].whoami()
    except RegistryUnavailableError:
        raise DomainError(ErrorKind.UNAVAILABLE, "registry_unavailable", "the registry cannot be reached") from None
    except RegistryError as error:
        raise DomainError(
            ErrorKind.UNAVAILABLE, "registry_refused", f"the registry refused this node ({error.code})"
        ) from None
    return web.json_response({"registry": "reachable", "library_id": identity.library_id})
