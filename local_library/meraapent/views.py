"""The HTTPS door check for controllers that do not speak SIP2, and the staff endpoints of unstaffed hours.

``POST /api/doors/{door}/access`` (door account token as bearer token) answers
``{admit, reason, message_nb, message_en}``; ``/api/staff/...`` records agreements and reads the entry log.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from uuid import UUID

from aiohttp import web
from pydantic import Field

from local_library.app_keys import CLOCK, DOOR_CHECKS, POOL, STAFF
from local_library.request_model import RequestModel
from local_library.staff.auth import bearer_token
from local_library.web import json_ok, path_uuid, transaction
from plumbing.errors import DomainError, ErrorKind
from plumbing.http.problems import parse_json_body

from .access import check_door_access
from .doors import (
    DOOR_NAME,
    access_agreement,
    authenticate_door,
    record_access_agreement,
    withdraw_access_agreement,
)
from .entry_log import staff_lookup

routes = web.RouteTableDef()


class DoorRequest(RequestModel):
    card_number: str = Field(min_length=1, max_length=32, repr=False)
    pin: str = Field(min_length=1, max_length=16, repr=False)


class AgreementChange(RequestModel):
    signed_on: date


@routes.post("/api/doors/{door}/access")
async def door_access(request: web.Request) -> web.Response:
    door = request.match_info["door"]
    token = bearer_token(request)
    async with request.app[POOL].acquire() as conn:
        await authenticate_door(conn, door, token)
    body = await parse_json_body(request, DoorRequest)
    decision = await check_door_access(request.app[DOOR_CHECKS], door=door, card_number=body.card_number, pin=body.pin)
    return json_ok(asdict(decision))


@routes.get("/api/staff/patrons/{patron_id}/door-agreement")
async def get_agreement(request: web.Request) -> web.Response:
    async with transaction(request) as conn:
        return json_ok({"signed_on": await access_agreement(conn, path_uuid(request, "patron_id"))})


@routes.put("/api/staff/patrons/{patron_id}/door-agreement")
async def put_agreement(request: web.Request) -> web.Response:
    body = await parse_json_body(request, AgreementChange)
    app = request.app
    async with transaction(request) as conn:
        signed = await record_access_agreement(
            conn, path_uuid(request, "patron_id"), body.signed_on, request[STAFF].username, app[CLOCK].now()
        )
    return json_ok({"signed_on": signed})


@routes.delete("/api/staff/patrons/{patron_id}/door-agreement")
async def delete_agreement(request: web.Request) -> web.Response:
    async with transaction(request) as conn:
        await withdraw_access_agreement(conn, path_uuid(request, "patron_id"))
    return json_ok({"signed_on": None})


@routes.get("/api/staff/door-entries")
async def door_entries(request: web.Request) -> web.Response:
    """The entry log for one patron (``patron_id``) and/or one door (``door``); the look-up itself is logged."""
    patron_text, door = request.query.get("patron_id"), request.query.get("door")
    if door is not None and not DOOR_NAME.fullmatch(door):
        raise DomainError(ErrorKind.INVALID, "door_name_invalid", "no such door name")
    try:
        patron_id = None if patron_text is None else UUID(patron_text)
    except ValueError:
        raise DomainError(ErrorKind.INVALID, "patron_id_invalid", "patron_id must be a UUID") from None
    app = request.app
    async with transaction(request) as conn:
        entries = await staff_lookup(
            conn, app[DOOR_CHECKS].entry_key, app[CLOCK], request[STAFF].username, patron_id=patron_id, door=door
        )
    return json_ok({"entries": entries})
