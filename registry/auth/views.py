"""``GET /v1/whoami``: the authenticated caller's identity, for checking a node's setup."""

from __future__ import annotations

from aiohttp import web

from registry.app_keys import CALLER
from registry_contract.models import WhoAmI


async def whoami(request: web.Request) -> web.Response:
    caller = request[CALLER]
    answer = WhoAmI(library_id=caller.library_id, certificate_serial=str(caller.certificate_serial))
    return web.json_response(answer.model_dump())
