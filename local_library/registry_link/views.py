"""``/api/staff/`` national-card operations: register, link, upgrade, opt out, correct, erasure; outbox status.

A desk operation commits locally with its queued registry write, then gives that patron's writes a short,
bounded attempt (never a whole sync round; the background loop is woken): the answer says whether the
registry has it already (200/201), it is queued for later (202), or it waits for staff (the answer's
``registry_refusal``).
A registration of someone already registered here answers 409 ``already_registered_here`` with that patron.
"""

from __future__ import annotations

from typing import Annotated, Any

from aiohttp import web
from pydantic import Field, StringConstraints
from pydantic_core import to_jsonable_python

from local_library.app_keys import CLOCK, PIN_HASHER, POLICY, POOL, REGISTRY, REGISTRY_LINK
from local_library.patrons.models import Patron
from local_library.patrons.queries import patron_by_id, patron_exists
from local_library.registry_link import national
from local_library.registry_link.cache import store_national_patron
from local_library.registry_link.errors import as_domain_error, registry_errors_as_domain_errors
from local_library.registry_link.outbox import discard_entry, retry_entry
from local_library.registry_link.queries import outbox_overview, patron_outbox_state, skipped_changes
from local_library.registry_link.registration import folded_into
from local_library.registry_link.sync import deliver_for_patron, sync_with_registry, wake_sync
from local_library.request_model import RequestModel
from local_library.web import json_ok, path_int, path_uuid, require_admin, transaction
from plumbing.errors import DomainError, ErrorKind
from plumbing.http.problems import parse_json_body
from registry_contract.client import RegistryError, RegistryUnavailableError, card_and_pin
from registry_contract.models import ContactUpdate, PatronRecord

routes = web.RouteTableDef()


class CardLookup(RequestModel):
    """A national card holder at the desk: their card, and their national PIN as proof that they are here."""

    card_number: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{10}$")]
    # Any text up to 16 characters: the registry checks it, and a malformed PIN counts as a wrong one there.
    pin: Annotated[str, StringConstraints(max_length=16)] = Field(repr=False)


async def _answer_after_delivery(request: web.Request, patron: Patron, *, created: bool = False) -> web.Response:
    """Answer from the local transaction, after a short bounded attempt at this patron's queued writes."""
    report = await deliver_for_patron(request.app[REGISTRY_LINK], patron.patron_id)
    async with transaction(request) as conn:
        if not await patron_exists(conn, patron.patron_id):
            existing = await folded_into(conn, patron.patron_id)
            if existing is None:
                return json_ok({"patron": None, "registry": "erased"})
            raise DomainError(
                ErrorKind.CONFLICT, "already_registered_here",
                "this person already has a national card at this library; here is their record",
                extra={"patron": to_jsonable_python(await patron_by_id(conn, existing))},
            )  # fmt: skip
        current = await patron_by_id(conn, patron.patron_id)
        outbox = await patron_outbox_state(conn, patron.patron_id)
    waiting = outbox.waiting_for_staff
    status = 202 if outbox.pending else (201 if created else 200)
    body: dict[str, Any] = {
        "patron": current,
        "registry": "queued" if outbox.pending else ("needs_staff" if waiting else "done"),
        "registry_reachable": report is not None and not report.postponed,
    }
    if waiting:
        body["registry_refusal"] = waiting
    return json_ok(body, status=status)


@routes.post("/api/staff/national-patrons")
async def register_national_patron(request: web.Request) -> web.Response:
    body = await parse_json_body(request, national.NationalRegistration)
    app = request.app
    async with transaction(request) as conn:
        patron = await national.register_national(conn, app[REGISTRY_LINK].cipher, app[POLICY], app[CLOCK], body)
    return await _answer_after_delivery(request, patron, created=True)


@routes.post("/api/staff/national-patrons/link")
async def link_national_patron(request: web.Request) -> web.Response:
    """A national card holder from another library at this desk: link them here and cache their record."""
    body = await parse_json_body(request, CardLookup)
    registry = request.app[REGISTRY]
    with registry_errors_as_domain_errors():
        found = await registry.lookup_by_card(body.card_number, purpose="patron at the desk")
        # Linked already: the whole record came back. Otherwise a preview, and the PIN proves the patron is here.
        record = (
            found
            if isinstance(found, PatronRecord)
            else await registry.link(found.patron_id, card_and_pin(body.card_number, body.pin))
        )
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
        raise as_domain_error(error) from None


@routes.post("/api/staff/patrons/{patron_id}/national-upgrade")
async def upgrade(request: web.Request) -> web.Response:
    body = await parse_json_body(request, national.NationalUpgrade)
    async with transaction(request) as conn:
        patron = await national.upgrade_to_national(
            conn, request.app[REGISTRY_LINK].cipher, path_uuid(request, "patron_id"), body
        )
    return await _answer_after_delivery(request, patron)


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
            conn, app[REGISTRY_LINK].cipher, app[PIN_HASHER], app[CLOCK], path_uuid(request, "patron_id"), request=body
        )
    return await _answer_after_delivery(request, patron)


@routes.patch("/api/staff/patrons/{patron_id}/national-contact")
async def correct_contact(request: web.Request) -> web.Response:
    body = await parse_json_body(request, ContactUpdate)
    async with transaction(request) as conn:
        patron = await national.correct_contact(
            conn, request.app[REGISTRY_LINK].cipher, path_uuid(request, "patron_id"), body
        )
    return await _answer_after_delivery(request, patron)


@routes.put("/api/staff/patrons/{patron_id}/national-pin")
async def change_national_pin(request: web.Request) -> web.Response:
    body = await parse_json_body(request, national.NationalPinChange)
    async with transaction(request) as conn:
        patron = await national.change_national_pin(
            conn, request.app[REGISTRY_LINK].cipher, path_uuid(request, "patron_id"), body
        )
    return await _answer_after_delivery(request, patron)


@routes.post("/api/staff/patrons/{patron_id}/national-lost-card")
async def report_national_lost_card(request: web.Request) -> web.Response:
    app = request.app
    async with transaction(request) as conn:
        patron = await national.report_national_lost_card(
            conn, app[REGISTRY_LINK].cipher, app[POLICY], app[CLOCK], path_uuid(request, "patron_id")
        )
    return await _answer_after_delivery(request, patron)


@routes.post("/api/staff/patrons/{patron_id}/erasure-requests")
async def file_erasure(request: web.Request) -> web.Response:
    body = await parse_json_body(request, national.ErasureFiling)
    async with transaction(request) as conn:
        patron = await national.file_erasure(
            conn, request.app[REGISTRY_LINK].cipher, path_uuid(request, "patron_id"), body
        )
    return await _answer_after_delivery(request, patron)


@routes.get("/api/staff/registry-outbox")
async def outbox_status(request: web.Request) -> web.Response:
    """What this node still owes the registry, and what it refused (never the payloads)."""
    async with request.app[POOL].acquire() as conn:
        return json_ok(await outbox_overview(conn))


@routes.post("/api/staff/registry-outbox/{outbox_id}/retry")
async def retry_outbox_entry(request: web.Request) -> web.Response:
    """Staff send an entry that waited for them again (after fixing what the registry refused)."""
    require_admin(request)
    async with transaction(request) as conn:
        await retry_entry(conn, path_int(request, "outbox_id"))
    wake_sync(request.app[REGISTRY_LINK])
    return json_ok({"status": "pending"})


@routes.post("/api/staff/registry-outbox/{outbox_id}/discard")
async def discard_outbox_entry(request: web.Request) -> web.Response:
    """Staff give up an entry that waited for them; the registry never gets it."""
    require_admin(request)
    async with transaction(request) as conn:
        await discard_entry(conn, path_int(request, "outbox_id"))
    return json_ok({"status": "discarded"})


@routes.get("/api/staff/registry-feed/skipped")
async def skipped_feed_entries(request: web.Request) -> web.Response:
    """Change-feed entries this node could not apply and skipped (ids and codes: ask the registry's operator)."""
    async with request.app[POOL].acquire() as conn:
        return json_ok(await skipped_changes(conn))


@routes.post("/api/staff/registry-sync")
async def sync_now(request: web.Request) -> web.Response:
    require_admin(request)
    report = await sync_with_registry(request.app[REGISTRY_LINK], now=True)
    return json_ok(report)
