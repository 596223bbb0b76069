"""``/api/staff/`` national-card operations: register, link, upgrade, opt out, correct, erasure; outbox status.

A desk operation commits locally with its queued registry write, then tries one sync round at once: the
answer says whether the registry has it already (200/201) or it is queued for later (202).
"""

from __future__ import annotations

from typing import Annotated, Any

from aiohttp import web
from pydantic import Field, StringConstraints

from local_library.app_keys import CLOCK, PIN_HASHER, POLICY, POOL, REGISTRY
from local_library.patrons.models import Patron
from local_library.patrons.queries import patron_by_id
from local_library.registry_link import national
from local_library.registry_link.cache import store_national_patron
from local_library.registry_link.login import registry_refusal
from local_library.registry_link.sync import OUTBOX_CIPHER, sync_with_registry
from local_library.request_model import RequestModel
from local_library.web import json_ok, path_uuid, require_admin, transaction
from natreg.db.types import DbConnection
from natreg.errors import DomainError, ErrorKind
from natreg.http.problems import parse_json_body
from registry.api.models import ContactUpdate, PatronRecord
from registry.client import RegistryError, RegistryUnavailableError, card_and_pin

routes = web.RouteTableDef()


class CardLookup(RequestModel):
    """A national card holder at the desk: their card, and their national PIN as proof that they are here."""

    card_number: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{10}$")]
    # Any text up to 16 characters: the registry checks it, and a malformed PIN counts as a wrong one there.
    pin: Annotated[str, StringConstraints(max_length=16)] = Field(repr=False)


async def _after_sync(request: web.Request, patron: Patron, *, created: bool = False) -> web.Response:
    """Answer with the patron as it stands after trying to reach the registry right away."""
    report = await sync_with_registry(request.app)
    async with transaction(request) as conn:
        current = await patron_by_id(conn, patron.patron_id) if await _exists(conn, patron) else None
        pending = await conn.fetchval(
            "SELECT count(*) FROM registry_outbox WHERE patron_id = $1 AND status = 'pending'", patron.patron_id
        )
        failed = await conn.fetch(
            "SELECT operation, last_error FROM registry_outbox WHERE patron_id = $1 AND status = 'failed' "
            "ORDER BY outbox_id DESC LIMIT 1",
            patron.patron_id,
        )
    if current is None:
        return json_ok({"patron": None, "registry": "erased"})
    status = 202 if pending else (201 if created else 200)
    body: dict[str, Any] = {
        "patron": current,
        "registry": "queued" if pending else "done",
        "registry_reachable": report.registry_reachable,
    }
    if failed:
        body["registry_refusal"] = {"operation": failed[0]["operation"], "code": failed[0]["last_error"]}
    return json_ok(body, status=status)


async def _exists(conn: DbConnection, patron: Patron) -> bool:
    return bool(await conn.fetchval("SELECT true FROM patrons WHERE patron_id = $1", patron.patron_id))


@routes.post("/api/staff/national-patrons")
async def register_national_patron(request: web.Request) -> web.Response:
    body = await parse_json_body(request, national.NationalRegistration)
    app = request.app
    async with transaction(request) as conn:
        patron = await national.register_national(conn, app[OUTBOX_CIPHER], app[POLICY], app[CLOCK], body)
    return await _after_sync(request, patron, created=True)


@routes.post("/api/staff/national-patrons/link")
async def link_national_patron(request: web.Request) -> web.Response:
    """A national card holder from another library at this desk: link them here and cache their record."""
    body = await parse_json_body(request, CardLookup)
    registry = request.app[REGISTRY]
    try:
        found = await registry.lookup_by_card(body.card_number, purpose="patron at the desk")
        # Linked already: the whole record came back. Otherwise a preview, and the PIN proves the patron is here.
        record = (
            found
            if isinstance(found, PatronRecord)
            else await registry.link(found.patron_id, card_and_pin(body.card_number, body.pin))
        )
    except RegistryUnavailableError:
        raise DomainError(ErrorKind.UNAVAILABLE, "registry_unavailable", "the registry cannot be reached") from None
    except RegistryError as error:
        raise registry_refusal(error) from None
    async with transaction(request) as conn:
        patron = await store_national_patron(conn, record)
    return json_ok(patron)


async def _refuse_unless_present(request: web.Request, card_number: str, pin: str) -> None:
    """Check the national PIN now, before the local card replaces the national one; the registry checks it
    again when the queued opt-out arrives. Only an unreachable registry lets the opt-out be queued unchecked."""
    try:
        await request.app[REGISTRY].authenticate(card_number, pin)
    except RegistryUnavailableError:
        return
    except RegistryError as error:
        raise registry_refusal(error) from None


@routes.post("/api/staff/patrons/{patron_id}/national-upgrade")
async def upgrade(request: web.Request) -> web.Response:
    body = await parse_json_body(request, national.NationalUpgrade)
    async with transaction(request) as conn:
        patron = await national.upgrade_to_national(
            conn, request.app[OUTBOX_CIPHER], path_uuid(request, "patron_id"), body
        )
    return await _after_sync(request, patron)


@routes.post("/api/staff/patrons/{patron_id}/opt-out")
async def opt_out(request: web.Request) -> web.Response:
    body = await parse_json_body(request, national.OptOut)
    app = request.app
    async with app[POOL].acquire() as conn:
        current = await patron_by_id(conn, path_uuid(request, "patron_id"))
    if current.kind == "national" and current.registry_patron_id is not None and current.card_number is not None:
        await _refuse_unless_present(request, current.card_number, body.national_pin)
    async with transaction(request) as conn:
        patron = await national.opt_out(
            conn, app[OUTBOX_CIPHER], app[PIN_HASHER], app[CLOCK], path_uuid(request, "patron_id"), request=body
        )
    return await _after_sync(request, patron)


@routes.patch("/api/staff/patrons/{patron_id}/national-contact")
async def correct_contact(request: web.Request) -> web.Response:
    body = await parse_json_body(request, ContactUpdate)
    async with transaction(request) as conn:
        patron = await national.correct_contact(conn, request.app[OUTBOX_CIPHER], path_uuid(request, "patron_id"), body)
    return await _after_sync(request, patron)


@routes.put("/api/staff/patrons/{patron_id}/national-pin")
async def change_national_pin(request: web.Request) -> web.Response:
    body = await parse_json_body(request, national.NationalPinChange)
    async with transaction(request) as conn:
        patron = await national.change_national_pin(
            conn, request.app[OUTBOX_CIPHER], path_uuid(request, "patron_id"), body
        )
    return await _after_sync(request, patron)


@routes.post("/api/staff/patrons/{patron_id}/national-lost-card")
async def report_national_lost_card(request: web.Request) -> web.Response:
    app = request.app
    async with transaction(request) as conn:
        patron = await national.report_national_lost_card(
            conn, app[OUTBOX_CIPHER], app[POLICY], app[CLOCK], path_uuid(request, "patron_id")
        )
    return await _after_sync(request, patron)


@routes.post("/api/staff/patrons/{patron_id}/erasure-requests")
async def file_erasure(request: web.Request) -> web.Response:
    body = await parse_json_body(request, national.ErasureFiling)
    async with transaction(request) as conn:
        patron = await national.file_erasure(conn, request.app[OUTBOX_CIPHER], path_uuid(request, "patron_id"), body)
    return await _after_sync(request, patron)


@routes.get("/api/staff/registry-outbox")
async def outbox_status(request: web.Request) -> web.Response:
    """What this node still owes the registry, and what it refused (never the payloads)."""
    async with request.app[POOL].acquire() as conn:
        rows = await conn.fetch(
            """
            SELECT outbox_id, operation, patron_id, status, attempts, last_error, created_at, finished_at
            FROM registry_outbox WHERE status <> 'delivered' OR finished_at > now() - interval '1 day'
            ORDER BY outbox_id DESC LIMIT 500
            """
        )
    return json_ok([dict(row) for row in rows])


@routes.post("/api/staff/registry-sync")
async def sync_now(request: web.Request) -> web.Response:
    require_admin(request)
    report = await sync_with_registry(request.app, now=True)
    return json_ok(report)
