"""Every route of the registry's node API, in one table (also the source of the OpenAPI document)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from registry.api import models
from registry.api.endpoints import Endpoint, openapi_document
from registry.auth.views import whoami
from registry.health.views import health
from registry.patrons import views as patrons

API_VERSION = "1.0.0"
PURPOSE = "Natreg-Purpose"

ENDPOINTS = [
    Endpoint("GET", "/v1/whoami", whoami, "the calling library's identity", models.WhoAmI),
    Endpoint(
        "POST", "/v1/patrons", patrons.register_patron, "register a national patron, linked to the calling library",
        models.PatronRecord, models.RegisterPatron, 201, ("Idempotency-Key", PURPOSE),
        errors=(
            "national_id_already_registered", "national_id_checksum", "pin_too_simple", "idempotency_key_reused",
            "home_library_not_linked",
        ),
    ),
    Endpoint(
        "POST", "/v1/patrons/lookup", patrons.lookup_by_national_id,
        "find a patron by national ID (sent in the body, never the URL)", models.PatronLookupResult,
        models.NationalIdLookup, headers=(PURPOSE,), errors=("patron_not_found", "lookup_rate_limited"),
    ),
    Endpoint(
        "GET", "/v1/patrons/by-card/{card_number}", patrons.lookup_by_card, "find a patron by card number",
        models.PatronLookupResult, headers=(PURPOSE,),
        errors=("patron_not_found", "card_replaced", "card_number_checksum", "lookup_rate_limited"),
    ),
    Endpoint(
        "POST", "/v1/patrons/authenticate", patrons.authenticate, "check card number and PIN", models.PatronRecord,
        models.CardAuthentication, headers=(PURPOSE,),
        errors=("pin_invalid", "pin_attempts_throttled", "pin_locked", "pin_not_set"),
    ),
    Endpoint(
        "GET", "/v1/patrons/{patron_id}", patrons.get_patron, "read a patron linked to the calling library",
        models.PatronRecord, headers=(PURPOSE,), errors=("patron_not_found",),
    ),
    Endpoint(
        "PATCH", "/v1/patrons/{patron_id}", patrons.update_contact, "correct contact fields (optimistic concurrency)",
        models.PatronRecord, models.ContactUpdate, headers=("If-Match", PURPOSE),
        errors=("version_mismatch", "if_match_required", "contact_method_unreachable"),
    ),
    Endpoint(
        "PUT", "/v1/patrons/{patron_id}/pin", patrons.change_pin, "set a new PIN (also lifts a lockout)",
        models.PatronRecord, models.PinChange, headers=(PURPOSE,), errors=("pin_too_simple",),
    ),
    Endpoint(
        "POST", "/v1/patrons/{patron_id}/lost-card", patrons.report_lost_card,
        "report the card lost: a new number is issued and the old one stops working", models.PatronRecord,
        headers=("If-Match", "Idempotency-Key", PURPOSE), errors=("version_mismatch",),
    ),
    Endpoint(
        "PUT", "/v1/patrons/{patron_id}/link", patrons.link_library,
        "associate the calling library with the patron, who is present", models.PatronRecord, models.PatronPresence,
        headers=(PURPOSE,), errors=("patron_presence_required", "pin_invalid", "pin_attempts_throttled", "pin_locked"),
    ),
    Endpoint(
        "DELETE", "/v1/patrons/{patron_id}/link", patrons.unlink_library,
        "remove the calling library's association (the record is erased with its last library: the patron must be "
        "present then)", models.PatronRecord, models.PatronPresence, headers=(PURPOSE,),
        errors=("patron_presence_required", "pin_invalid"),
    ),
    Endpoint(
        "PUT", "/v1/patrons/{patron_id}/home-library", patrons.set_home_library, "set the patron's home library",
        models.PatronRecord, models.HomeLibrary, headers=(PURPOSE,), errors=("home_library_not_linked",),
    ),
    Endpoint(
        "POST", "/v1/patrons/{patron_id}/opt-out", patrons.opt_out,
        "the patron, present, refuses central storage: the record is removed and every linked library told",
        models.OptOutReceipt, models.PatronPresence, headers=(PURPOSE,),
        errors=("patron_presence_required", "pin_invalid", "pin_attempts_throttled", "pin_locked"),
    ),
    Endpoint(
        "POST", "/v1/patrons/{patron_id}/erasure-requests", patrons.file_erasure_request,
        "file a deletion request or a death notice for the registry administrators", models.ErasureRequestReceipt,
        models.ErasureRequestFiling, 202, (PURPOSE,),
    ),
    Endpoint(
        "GET", "/v1/changes", patrons.list_changes,
        "changes to patrons linked to the calling library, oldest first, paged by a server-issued cursor",
        models.ChangePage, query={"cursor": "from the previous page's next_cursor", "limit": "1-1000, default 100"},
        errors=("cursor_invalid",),
    ),
]  # fmt: skip


def openapi() -> dict[str, Any]:
    return openapi_document(ENDPOINTS, title="natreg registry node API", version=API_VERSION)


async def openapi_view(request: web.Request) -> web.Response:
    return web.json_response(request.app[OPENAPI_DOCUMENT])


OPENAPI_DOCUMENT = web.AppKey("openapi_document", dict[str, Any])


def add_routes(app: web.Application) -> None:
    app[OPENAPI_DOCUMENT] = openapi()
    app.router.add_get("/health", health)
    app.router.add_get("/openapi.json", openapi_view)
    for endpoint in ENDPOINTS:
        app.router.add_route(endpoint.method, endpoint.path, endpoint.handler)
