"""Interlibrary requests over HTTP: the staff API (``/api/staff/interlibrary/…``) and what other library
nodes may ask on the peer listener (``/peer/v1/interlibrary/…``, ``INTERLIBRARY_PEER_ENDPOINTS``).

Staff: as the borrowing library they order for a patron, take the shipment in (the patron gets the pickup
notice), lend, take back and ship the copy home; as the owner they see the requests to pull from the shelf,
ship them or say why not, and take the copy back in. The JSON answers are the domain's models.

Peers: state changes are library endpoints (``federation.peer_server.library_endpoint``): each runs in the
transaction that records its answer under the caller's idempotency key, so a message sent again is answered
from the record and applied once. The catalogue search is a read (`PeerClient.read_library`) and records nothing.
"""

from __future__ import annotations

from typing import Annotated

from aiohttp import web
from pydantic import StringConstraints

from local_library import app_keys
from local_library.app_keys import CLOCK, INTERLIBRARY, POLICY, POOL, SETTINGS
from local_library.catalogue.models import Author, Barcode, Title
from local_library.circulation.views import CardNumber
from local_library.federation.peer_server import (
    LibraryCall,
    LibraryHandler,
    PeerEndpoint,
    json_body,
    library_endpoint,
    node_app,
    peer_caller,
)
from local_library.federation.peer_server import PeerAnswer as RecordedAnswer
from local_library.patrons.queries import patron_by_card
from local_library.policy import can_reserve
from local_library.request_model import RequestModel
from local_library.web import json_ok, path_int, path_uuid, require_admin, transaction
from plumbing.db.types import DbConnection
from plumbing.http.problems import parse_json_body, parse_query
from registry_contract.field_types import LibraryId

from . import borrowing, lending
from .dispatch import RENEW_OPERATION, apply_peer_message
from .messages import OPERATIONS_TO_BORROWER, OPERATIONS_TO_OWNER, PeerMessage, RenewalAsk
from .network import CATALOGUE_PATH, PEER_PATH
from .outbox import messages_waiting, retry_message
from .queries import open_borrowed, open_lent
from .search import CatalogueHits, CatalogueQuery, mark_reservable, search_own_catalogue

routes = web.RouteTableDef()

Reason = Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,64}$")]


class OrderForPatron(RequestModel):
    card_number: CardNumber
    owner_library: LibraryId
    barcode: Barcode
    title: Title
    author: Author | None = None


class Refusal(RequestModel):
    reason: Reason = "not_available"


@routes.get("/api/staff/interlibrary/requests")
async def list_our_requests(request: web.Request) -> web.Response:
    """Our patrons' open requests: on their way, on the pickup shelf, lent, to send home."""
    async with request.app[POOL].acquire() as conn:
        return json_ok({"requests": await open_borrowed(conn)})


@routes.post("/api/staff/interlibrary/requests")
async def order_for_patron(request: web.Request) -> web.Response:
    body = await parse_json_body(request, OrderForPatron)
    app = request.app
    async with transaction(request) as conn:
        patron = await patron_by_card(conn, body.card_number)
        ordered = await borrowing.order_copy(
            conn, app[CLOCK], app[SETTINGS].library_id, patron, owner_library=body.owner_library,
            barcode=body.barcode, title=body.title, author=body.author,
        )  # fmt: skip
    return json_ok(ordered, status=201)


@routes.post("/api/staff/interlibrary/requests/{request_id}/received")
async def shipment_received(request: web.Request) -> web.Response:
    async with transaction(request) as conn:
        return json_ok(
            await borrowing.receive_shipment(
                conn, request.app[POLICY], request.app[CLOCK], path_uuid(request, "request_id")
            )
        )


@routes.post("/api/staff/interlibrary/requests/{request_id}/lend")
async def lend_to_patron(request: web.Request) -> web.Response:
    async with transaction(request) as conn:
        return json_ok(await borrowing.lend_to_patron(conn, request.app[CLOCK], path_uuid(request, "request_id")))


@routes.post("/api/staff/interlibrary/requests/{request_id}/returned")
async def returned_by_patron(request: web.Request) -> web.Response:
    async with transaction(request) as conn:
        return json_ok(
            await borrowing.take_back_from_patron(conn, request.app[CLOCK], path_uuid(request, "request_id"))
        )


@routes.post("/api/staff/interlibrary/requests/{request_id}/ship-back")
async def ship_back(request: web.Request) -> web.Response:
    async with transaction(request) as conn:
        return json_ok(await borrowing.ship_back(conn, request.app[CLOCK], path_uuid(request, "request_id")))


@routes.post("/api/staff/interlibrary/requests/{request_id}/cancel")
async def cancel_for_patron(request: web.Request) -> web.Response:
    async with transaction(request) as conn:
        return json_ok(await borrowing.cancel_order(conn, request.app[CLOCK], path_uuid(request, "request_id")))


@routes.post("/api/staff/interlibrary/requests/{request_id}/renew")
async def renew_for_patron(request: web.Request) -> web.Response:
    """Asks the owner while staff wait (``503 peer_unavailable`` if it does not answer)."""
    return json_ok(await request.app[INTERLIBRARY].renew(path_uuid(request, "request_id")))


@routes.get("/api/staff/interlibrary/incoming")
async def list_incoming(request: web.Request) -> web.Response:
    """Other libraries' open requests for our copies: to pull from the shelf (``requested``) and in transit."""
    async with request.app[POOL].acquire() as conn:
        return json_ok({"requests": await open_lent(conn)})


@routes.post("/api/staff/interlibrary/incoming/{request_id}/ship")
async def ship_to_borrower(request: web.Request) -> web.Response:
    async with transaction(request) as conn:
        return json_ok(
            await lending.ship(conn, request.app[POLICY], request.app[CLOCK], path_uuid(request, "request_id"))
        )


@routes.post("/api/staff/interlibrary/incoming/{request_id}/refuse")
async def refuse_request(request: web.Request) -> web.Response:
    body = await parse_json_body(request, Refusal)
    async with transaction(request) as conn:
        return json_ok(
            await lending.refuse(
                conn, request.app[POLICY], request.app[CLOCK], path_uuid(request, "request_id"), body.reason
            )
        )


@routes.post("/api/staff/interlibrary/incoming/{request_id}/received-back")
async def received_back(request: web.Request) -> web.Response:
    async with transaction(request) as conn:
        return json_ok(
            await lending.receive_back(conn, request.app[POLICY], request.app[CLOCK], path_uuid(request, "request_id"))
        )


@routes.get("/api/staff/interlibrary/search")
async def search(request: web.Request) -> web.Response:
    """One search across every library that offers requests, each with its status."""
    query = parse_query(request, CatalogueQuery)
    return json_ok({"libraries": await request.app[INTERLIBRARY].search(query)})


@routes.get("/api/staff/interlibrary/outbox")
async def list_outbox(request: web.Request) -> web.Response:
    """Messages other libraries have not had yet: pending (with the last error) or waiting for staff."""
    async with request.app[POOL].acquire() as conn:
        return json_ok({"messages": await messages_waiting(conn)})


@routes.post("/api/staff/interlibrary/outbox/{outbox_id}/retry")
async def retry_outbox_message(request: web.Request) -> web.Response:
    require_admin(request)
    async with transaction(request) as conn:
        await retry_message(conn, path_int(request, "outbox_id"), request.app[CLOCK].now())
    return web.json_response({"retried": True})


# What other library nodes may ask (the peer listener's endpoint table includes these).


def _message_handler(operation: str) -> LibraryHandler:
    async def handle(request: web.Request, conn: DbConnection, call: LibraryCall) -> RecordedAnswer:
        node = node_app(request)
        body = call.parse(RenewalAsk) if operation == RENEW_OPERATION else call.parse(PeerMessage)
        answer = await apply_peer_message(
            conn, node[app_keys.POLICY], node[app_keys.CLOCK], caller_library=call.caller.library_id,
            operation=operation, body=body,
        )  # fmt: skip
        return RecordedAnswer(200, json_body(answer))

    return handle


async def search_catalogue(request: web.Request) -> web.Response:
    """Our copies for another library's patron; what we do not send away is shown as not available."""
    peer_caller(request)  # authenticated by the listener's middleware
    query = parse_query(request, CatalogueQuery)
    node = node_app(request)
    policy = node[app_keys.POLICY]
    async with node[app_keys.POOL].acquire() as conn:
        hits = await search_own_catalogue(conn, query)
    reservable = mark_reservable(hits, lambda material: material in policy.materials and can_reserve(policy, material))
    return web.json_response(json_body(CatalogueHits(hits=reservable)))


INTERLIBRARY_PEER_ENDPOINTS: list[PeerEndpoint] = [
    *(
        library_endpoint(
            "POST", f"{PEER_PATH}/{operation}", f"interlibrary request: {operation}", _message_handler(operation)
        )
        for operation in (*OPERATIONS_TO_OWNER, *OPERATIONS_TO_BORROWER, RENEW_OPERATION)
    ),
    PeerEndpoint("GET", CATALOGUE_PATH, "search this library's copies for an interlibrary request", search_catalogue),
]
