"""``/api/staff/`` national-card operations: register, link, upgrade, opt out, correct, erasure; outbox status.

A desk operation commits locally with its queued registry write, then gives that patron's writes a short,
bounded attempt (never a whole sync round; the background loop is woken): the answer says whether the
registry has it already (200/201), it is queued for later (202), or it waits for staff (the answer's
``registry_refusal``).
A registration of someone already registered here answers 409 ``already_registered_here`` with that patron.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from local_library.app_keys import CLOCK, PIN_HASHER, POLICY, POOL, REGISTRY, REGISTRY_LINK
from local_library.patrons.models import Patron
from local_library.registry_link import choices, national
from local_library.registry_link.at_desk import (
    CardLookup,
    link_card_holder,
    opt_out_present_patron,
    outcome_after_delivery,
)
from local_library.registry_link.outbox import discard_entry, retry_entry
from local_library.registry_link.queries import outbox_overview, skipped_changes
from local_library.registry_link.sync import sync_with_registry, wake_sync
from local_library.web import json_ok, path_int, path_uuid, require_admin, transaction
from plumbing.http.problems import parse_json_body
from registry_contract.models import ContactUpdate

routes = web.RouteTableDef()


async def _answer_after_delivery(request: web.Request, patron: Patron, *, created: bool = False) -> web.Response:
    """Answer from the local transaction, after a short bounded attempt at this patron's queued writes."""
    outcome = await outcome_after_delivery(request.app[REGISTRY_LINK], patron.patron_id)
    if outcome.registry == "erased":
        return json_ok({"patron": None, "registry": "erased"})
    body: dict[str, Any] = {
        "patron": outcome.patron,
        "registry": outcome.registry,
        "registry_reachable": outcome.registry_reachable,
    }
    if outcome.registry_refusal:
        body["registry_refusal"] = outcome.registry_refusal
    status = 202 if outcome.registry == "queued" else (201 if created else 200)
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
    patron = await link_card_holder(request.app[POOL], request.app[REGISTRY], body)
    return json_ok(patron)


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
    patron = await opt_out_present_patron(
        app[REGISTRY_LINK], app[PIN_HASHER], app[CLOCK], path_uuid(request, "patron_id"), body
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


@routes.put("/api/staff/patrons/{patron_id}/choices")
async def set_choices(request: web.Request) -> web.Response:
    """The patron's own choices, asked for at the desk: the notice before the due date, the contact method."""
    body = await parse_json_body(request, choices.PatronChoices)
    async with transaction(request) as conn:
        patron = await choices.set_choices(
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
