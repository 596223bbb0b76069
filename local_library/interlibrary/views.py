"""``/api/staff/interlibrary/…``: interlibrary requests at the desk, both sides.

As the borrowing library staff order for a patron, take the shipment in (the patron gets the pickup notice),
lend, take back and ship the copy home; as the owner they see the requests to pull from the shelf, ship them
or say why not, and take the copy back in. The JSON answers are the domain's models.
"""

from __future__ import annotations

from aiohttp import web
from pydantic import StringConstraints

from local_library.app_keys import CLOCK, INTERLIBRARY, POLICY, POOL, SETTINGS
from local_library.catalogue.models import Author, Barcode, Title
from local_library.circulation.views import CardNumber
from local_library.patrons.queries import patron_by_card
from local_library.request_model import RequestModel
from local_library.web import json_ok, path_int, path_uuid, require_admin, transaction
from plumbing.http.problems import parse_json_body, parse_query
from registry_contract.field_types import LibraryId

from . import borrowing, lending
from .outbox import messages_waiting, retry_message
from .queries import open_borrowed, open_lent
from .search import CatalogueQuery

routes = web.RouteTableDef()

Reason = StringConstraints(pattern=r"^[a-z_]{1,64}$")


class OrderForPatron(RequestModel):
    card_number: CardNumber
    owner_library: LibraryId
    barcode: Barcode
    title: Title
    author: Author | None = None


class Refusal(RequestModel):
    reason: str = "not_available"


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
