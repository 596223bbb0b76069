"""The federation's node API: the library directory (``GET /v1/libraries``), signed patron statements
(``POST /v1/patron-statements``) and the keys that verify them (``GET /v1/statement-keys``)."""

from __future__ import annotations

from aiohttp import web

from plumbing.http.problems import parse_json_body
from registry.app_keys import CALLER, CORE, LIBRARY_DIRECTORY, STATEMENT_KEYS
from registry.federation.profiles import library_directory
from registry.federation.statements import issue_statement, published_keys
from registry.patrons.core import Caller
from registry_contract.statements import StatementRequest


async def list_libraries(request: web.Request) -> web.Response:
    async with request.app[CORE].pool.acquire() as connection:
        listing = await library_directory(connection, request.app[LIBRARY_DIRECTORY])
    return web.Response(text=listing.model_dump_json(), content_type="application/json")


async def issue_patron_statement(request: web.Request) -> web.Response:
    body = await parse_json_body(request, StatementRequest)
    issued = await issue_statement(
        request.app[CORE],
        request.app[STATEMENT_KEYS],
        request.app[LIBRARY_DIRECTORY],
        Caller.library(request[CALLER].library_id),
        body,
    )
    return web.Response(text=issued.model_dump_json(), content_type="application/json", status=201)


async def statement_keys(request: web.Request) -> web.Response:
    return web.Response(
        text=published_keys(request.app[STATEMENT_KEYS]).model_dump_json(), content_type="application/json"
    )
