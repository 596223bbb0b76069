"""``/api/staff/patrons`` and ``/api/staff/institutions``: sign-up, look-up, contact, PIN, lost card, block."""

from __future__ import annotations

from aiohttp import web

from local_library.app_keys import CLOCK, PIN_HASHER, POLICY
from local_library.circulation import account
from local_library.web import json_ok, path_uuid, transaction
from plumbing.http.problems import parse_json_body

from .cards import (
    change_contact,
    change_pin,
    register_institution,
    register_person,
    replace_lost_card,
    set_blocked_by_staff,
)
from .models import BlockChange, ContactDetails, InstitutionRegistration, PersonRegistration, PinChange
from .queries import patron_by_card

routes = web.RouteTableDef()


@routes.post("/api/staff/patrons")
async def add_person(request: web.Request) -> web.Response:
    body = await parse_json_body(request, PersonRegistration)
    app = request.app
    async with transaction(request) as conn:
        return json_ok(await register_person(conn, app[POLICY], app[CLOCK], app[PIN_HASHER], body), status=201)


@routes.post("/api/staff/institutions")
async def add_institution(request: web.Request) -> web.Response:
    body = await parse_json_body(request, InstitutionRegistration)
    async with transaction(request) as conn:
        return json_ok(await register_institution(conn, request.app[POLICY], request.app[PIN_HASHER], body), status=201)


@routes.get("/api/staff/cards/{card_number}")
async def find_by_card(request: web.Request) -> web.Response:
    async with transaction(request) as conn:
        return json_ok(await patron_by_card(conn, request.match_info["card_number"]))


@routes.get("/api/staff/patrons/{patron_id}")
async def patron_account(request: web.Request) -> web.Response:
    """The patron with everything between them and this library: loans, reservations and fees."""
    async with transaction(request) as conn:
        return json_ok(await account.patron_account(conn, path_uuid(request, "patron_id")))


@routes.put("/api/staff/patrons/{patron_id}/contact")
async def put_contact(request: web.Request) -> web.Response:
    body = await parse_json_body(request, ContactDetails)
    async with transaction(request) as conn:
        return json_ok(await change_contact(conn, path_uuid(request, "patron_id"), body))


@routes.put("/api/staff/patrons/{patron_id}/pin")
async def put_pin(request: web.Request) -> web.Response:
    body = await parse_json_body(request, PinChange)
    async with transaction(request) as conn:
        return json_ok(await change_pin(conn, request.app[PIN_HASHER], path_uuid(request, "patron_id"), body.pin))


@routes.post("/api/staff/patrons/{patron_id}/lost-card")
async def lost_card(request: web.Request) -> web.Response:
    app = request.app
    async with transaction(request) as conn:
        patron, fee = await replace_lost_card(conn, app[POLICY], app[CLOCK], path_uuid(request, "patron_id"))
    return json_ok({"patron": patron, "fee": fee})


@routes.put("/api/staff/patrons/{patron_id}/blocked")
async def put_blocked(request: web.Request) -> web.Response:
    body = await parse_json_body(request, BlockChange)
    async with transaction(request) as conn:
        return json_ok(await set_blocked_by_staff(conn, path_uuid(request, "patron_id"), body.blocked))
