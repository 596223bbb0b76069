"""HTTP views of the patron operations: parse, call one domain function, serialise."""

from __future__ import annotations

import uuid

from aiohttp import web

from plumbing.errors import DomainError, ErrorKind
from plumbing.http.problems import parse_json_body, parse_query
from registry.app_keys import CALLER, CORE
from registry.feed.store import read_changes_json
from registry.patrons import authentication, contact, erasure, links, lookups, lost_cards, registration
from registry.patrons.core import Caller
from registry_contract.models import (
    CardAuthentication,
    ChangePageQuery,
    ContactUpdate,
    ErasureRequestFiling,
    HomeLibrary,
    NationalIdLookup,
    PatronPresence,
    PatronPreview,
    PatronRecord,
    PinChange,
    RegisterPatron,
)
from registry_contract.refusals import patron_not_found

PURPOSE_HEADER = "Natreg-Purpose"
PURPOSE_MAX_LENGTH = 200


def _caller(request: web.Request) -> Caller:
    return Caller.library(request[CALLER].library_id)


def _purpose(request: web.Request, default: str) -> str:
    purpose = request.headers.get(PURPOSE_HEADER, default).strip()
    if not purpose or len(purpose) > PURPOSE_MAX_LENGTH or not purpose.isprintable():
        raise DomainError(ErrorKind.INVALID, "purpose_invalid", f"{PURPOSE_HEADER} must be 1-200 printable characters")
    return purpose


def _patron_id(request: web.Request) -> uuid.UUID:
    try:
        return uuid.UUID(request.match_info["patron_id"])
    except ValueError:
        raise patron_not_found() from None


def _expected_version(request: web.Request) -> int:
    if_match = request.headers.get("If-Match")
    if if_match is None:
        raise DomainError(
            ErrorKind.PRECONDITION_REQUIRED,
            "if_match_required",
            "send If-Match with the ETag of the record you changed",
        )
    try:
        return int(if_match.strip().removeprefix("W/").strip('"'))
    except ValueError:
        raise DomainError(ErrorKind.INVALID, "if_match_invalid", "If-Match must be an ETag from this API") from None


def record_response(record: PatronRecord, *, status: int = 200) -> web.Response:
    response = web.Response(text=record.model_dump_json(), content_type="application/json", status=status)
    response.headers["ETag"] = f'"{record.version}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def lookup_response(found: PatronRecord | PatronPreview) -> web.Response:
    if isinstance(found, PatronRecord):
        return record_response(found)
    response = web.Response(text=found.model_dump_json(), content_type="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


async def _presence(request: web.Request) -> PatronPresence:
    """The patron's proof of presence; a request without a body has none (and is refused by the domain)."""
    if not await request.read():
        return PatronPresence()
    return await parse_json_body(request, PatronPresence)


async def register_patron(request: web.Request) -> web.Response:
    body = await parse_json_body(request, RegisterPatron)
    record, created = await registration.register_patron(
        request.app[CORE],
        _caller(request),
        body,
        idempotency_key=request.headers.get("Idempotency-Key"),
        raw_body=await request.read(),
        purpose=_purpose(request, "registration"),
    )
    response = record_response(record, status=201 if created else 200)
    response.headers["Location"] = f"/v1/patrons/{record.patron_id}"
    return response


async def lookup_by_national_id(request: web.Request) -> web.Response:
    body = await parse_json_body(request, NationalIdLookup)
    record = await lookups.lookup_by_national_id(
        request.app[CORE], _caller(request), body.national_id, _purpose(request, "lookup")
    )
    return lookup_response(record)


async def lookup_by_card(request: web.Request) -> web.Response:
    record = await lookups.lookup_by_card(
        request.app[CORE], _caller(request), request.match_info["card_number"], _purpose(request, "lookup")
    )
    return lookup_response(record)


async def authenticate(request: web.Request) -> web.Response:
    body = await parse_json_body(request, CardAuthentication)
    record = await authentication.authenticate(
        request.app[CORE], _caller(request), body, _purpose(request, "authentication")
    )
    return record_response(record)


async def get_patron(request: web.Request) -> web.Response:
    record = await lookups.get_linked_patron(
        request.app[CORE], _caller(request), _patron_id(request), _purpose(request, "read")
    )
    return record_response(record)


async def update_contact(request: web.Request) -> web.Response:
    body = await parse_json_body(request, ContactUpdate)
    record = await contact.update_contact(
        request.app[CORE],
        _caller(request),
        _patron_id(request),
        body,
        expected_version=_expected_version(request),
        purpose=_purpose(request, "correction"),
    )
    return record_response(record)


async def change_pin(request: web.Request) -> web.Response:
    body = await parse_json_body(request, PinChange)
    record = await authentication.change_pin(
        request.app[CORE], _caller(request), _patron_id(request), body.new_pin, _purpose(request, "pin change")
    )
    return record_response(record)


async def report_lost_card(request: web.Request) -> web.Response:
    record = await lost_cards.report_lost_card(
        request.app[CORE],
        _caller(request),
        _patron_id(request),
        expected_version=_expected_version(request),
        purpose=_purpose(request, "lost card"),
        idempotency_key=request.headers.get("Idempotency-Key"),
    )
    return record_response(record)


async def link_library(request: web.Request) -> web.Response:
    record = await links.link_calling_library(
        request.app[CORE], _caller(request), _patron_id(request), await _presence(request), _purpose(request, "link")
    )
    return record_response(record)


async def unlink_library(request: web.Request) -> web.Response:
    record = await links.unlink_calling_library(
        request.app[CORE], _caller(request), _patron_id(request), await _presence(request), _purpose(request, "unlink")
    )
    return web.Response(status=204) if record is None else record_response(record)


async def set_home_library(request: web.Request) -> web.Response:
    body = await parse_json_body(request, HomeLibrary)
    record = await links.set_home_library(
        request.app[CORE], _caller(request), _patron_id(request), body.library_id, _purpose(request, "home library")
    )
    return record_response(record)


async def opt_out(request: web.Request) -> web.Response:
    receipt = await links.opt_out(
        request.app[CORE], _caller(request), _patron_id(request), await _presence(request), _purpose(request, "opt-out")
    )
    return web.json_response(receipt.model_dump(mode="json"))


async def file_erasure_request(request: web.Request) -> web.Response:
    body = await parse_json_body(request, ErasureRequestFiling)
    receipt = await erasure.file_erasure_request(
        request.app[CORE], _caller(request), _patron_id(request), body.kind, _purpose(request, body.kind)
    )
    return web.json_response(receipt.model_dump(mode="json"), status=202)


async def list_changes(request: web.Request) -> web.Response:
    query = parse_query(request, ChangePageQuery)
    async with request.app[CORE].pool.acquire() as connection:
        page = await read_changes_json(connection, _caller(request).library_id or "", query.cursor, query.limit)
    return web.Response(body=page, content_type="application/json")
