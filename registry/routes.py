"""Every route of the registry's node API, in one table (also the source of the OpenAPI document)."""

from __future__ import annotations

from typing import Any, get_args

from aiohttp import web

from registry.app_keys import OPENAPI_DOCUMENT
from registry.auth.views import whoami
from registry.health.views import crl, health
from registry.patrons import views as patrons
from registry_contract import models
from registry_contract.card_number import CardNumberErrorCode
from registry_contract.endpoints import PURPOSE_HEADER, Endpoint, openapi_document
from registry_contract.national_id import NationalIdErrorCode

API_VERSION = "1.0.0"
PURPOSE = PURPOSE_HEADER
CARD_NUMBER_REFUSALS: tuple[str, ...] = get_args(CardNumberErrorCode)
NATIONAL_ID_REFUSALS: tuple[str, ...] = get_args(NationalIdErrorCode)
# Lookups of patrons not (yet) linked to the calling library are limited per library.
LOOKUP_LIMITED = {429: ("lookup_rate_limited",)}
# Linking a library and erasing a record need the patron present: their card and PIN, checked as at a door.
PRESENCE_REFUSALS: dict[int, tuple[str, ...]] = {
    403: ("patron_presence_required", "pin_invalid", "pin_not_set"),
    410: ("card_replaced",),
    422: CARD_NUMBER_REFUSALS,
    423: ("pin_locked",),
    429: ("pin_attempts_throttled",),
}

# Statuses per operation: besides the success, `refusals` lists the operation's own problem codes by status;
# Endpoint.declared_refusals adds those every request of its shape can meet (see registry_contract/endpoints.py).
ENDPOINTS = [
    Endpoint("GET", "/v1/whoami", whoami, "the calling library's identity", models.WhoAmI, uses_database=False),
    Endpoint(
        "POST", "/v1/patrons", patrons.register_patron, "register a national patron, linked to the calling library",
        models.PatronRecord, models.RegisterPatron, 201, ("Idempotency-Key", PURPOSE),
        refusals={
            409: ("national_id_already_registered",),
            422: (*NATIONAL_ID_REFUSALS, "pin_format", "pin_too_simple", "idempotency_key_invalid",
                  "idempotency_key_reused", "home_library_not_linked", "contact_method_unreachable",
                  "birth_date_and_gender_required"),
            428: ("idempotency_key_required",),
        },
        also_answers={200: "a retry with the same Idempotency-Key: the patron registered by the first request"},
    ),
    Endpoint(
        "POST", "/v1/patrons/lookup", patrons.lookup_by_national_id,
        "find a patron by national ID (sent in the body, never the URL)", models.PatronLookupResult,
        models.NationalIdLookup, headers=(PURPOSE,),
        refusals={404: ("patron_not_found",), 422: NATIONAL_ID_REFUSALS, **LOOKUP_LIMITED},
    ),
    Endpoint(
        "GET", "/v1/patrons/by-card/{card_number}", patrons.lookup_by_card, "find a patron by card number",
        models.PatronLookupResult, headers=(PURPOSE,),
        refusals={404: ("patron_not_found",), 410: ("card_replaced",), 422: CARD_NUMBER_REFUSALS, **LOOKUP_LIMITED},
    ),
    Endpoint(
        "POST", "/v1/patrons/authenticate", patrons.authenticate, "check card number and PIN", models.PatronRecord,
        models.CardAuthentication, headers=(PURPOSE,),
        refusals={
            403: ("pin_invalid", "pin_not_set"), 404: ("patron_not_found",), 410: ("card_replaced",),
            422: CARD_NUMBER_REFUSALS, 423: ("pin_locked",), 429: ("pin_attempts_throttled",),
        },
    ),
    Endpoint(
        "GET", "/v1/patrons/{patron_id}", patrons.get_patron, "read a patron linked to the calling library",
        models.PatronRecord, headers=(PURPOSE,),
    ),
    Endpoint(
        "PATCH", "/v1/patrons/{patron_id}", patrons.update_contact, "correct contact fields (optimistic concurrency)",
        models.PatronRecord, models.ContactUpdate, headers=("If-Match", PURPOSE),
        refusals={
            412: ("version_mismatch",),
            422: ("if_match_invalid", "contact_method_unreachable", "address_from_population_register",
                  "address_protected"),
            428: ("if_match_required",),
        },
    ),
    Endpoint(
        "PUT", "/v1/patrons/{patron_id}/pin", patrons.change_pin, "set a new PIN (also lifts a lockout)",
        models.PatronRecord, models.PinChange, headers=(PURPOSE,), refusals={422: ("pin_format", "pin_too_simple")},
    ),
    Endpoint(
        "POST", "/v1/patrons/{patron_id}/lost-card", patrons.report_lost_card,
        "report the card lost: a new number is issued and the old one stops working", models.PatronRecord,
        headers=("If-Match", "Idempotency-Key", PURPOSE),
        refusals={
            412: ("version_mismatch",), 422: ("if_match_invalid", "idempotency_key_invalid", "idempotency_key_reused"),
            428: ("if_match_required",),
        },
    ),
    Endpoint(
        "PUT", "/v1/patrons/{patron_id}/link", patrons.link_library,
        "associate the calling library with the patron, who is present", models.PatronRecord, models.PatronPresence,
        headers=(PURPOSE,), refusals=PRESENCE_REFUSALS,
    ),
    Endpoint(
        "DELETE", "/v1/patrons/{patron_id}/link", patrons.unlink_library,
        "remove the calling library's association (the record is erased with its last library: the patron must be "
        "present then)", models.PatronRecord, models.PatronPresence, headers=(PURPOSE,),
        refusals=PRESENCE_REFUSALS,
        also_answers={204: "the calling library was the patron's last: the record is erased (no body)"},
    ),
    Endpoint(
        "PUT", "/v1/patrons/{patron_id}/home-library", patrons.set_home_library, "set the patron's home library",
        models.PatronRecord, models.HomeLibrary, headers=(PURPOSE,), refusals={422: ("home_library_not_linked",)},
    ),
    Endpoint(
        "POST", "/v1/patrons/{patron_id}/opt-out", patrons.opt_out,
        "the patron, present, refuses central storage: the record is removed and every linked library told",
        models.OptOutReceipt, models.PatronPresence, headers=(PURPOSE,), refusals=PRESENCE_REFUSALS,
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
        refusals={422: ("cursor_invalid",)},
    ),
]  # fmt: skip


def openapi() -> dict[str, Any]:
    return openapi_document(ENDPOINTS, title="natreg registry node API", version=API_VERSION)


async def openapi_view(request: web.Request) -> web.Response:
    return web.json_response(request.app[OPENAPI_DOCUMENT])


def add_routes(app: web.Application) -> None:
    app[OPENAPI_DOCUMENT] = openapi()
    app.router.add_get("/health", health)
    # The distribution point named in every certificate: TLS clients fetch the CRL here, not library nodes.
    app.router.add_get("/crl", crl)
    app.router.add_get("/openapi.json", openapi_view)
    for endpoint in ENDPOINTS:
        app.router.add_route(endpoint.method, endpoint.path, endpoint.handler)
