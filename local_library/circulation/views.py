"""``/api/staff/`` lending: checkouts (desk without PIN, kiosk with), returns, renewals, reservations, fees."""

from __future__ import annotations

from typing import Annotated, Literal

from aiohttp import web
from pydantic import Field, StringConstraints

from local_library.app_keys import CLOCK, PATRON_LOGINS, POLICY
from local_library.catalogue.models import Barcode
from local_library.registry_link.desk import lend_at_desk
from local_library.registry_link.login import log_in_patron
from local_library.request_model import RequestModel
from local_library.web import json_ok, path_int, transaction
from plumbing.errors import DomainError, ErrorKind
from plumbing.http.problems import parse_json_body

from .fees import set_fee_status
from .lending import check_out_to, renew, return_item
from .reservations import cancel_reservation, reserve

routes = web.RouteTableDef()

CardNumber = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]


class CheckoutRequest(RequestModel):
    card_number: CardNumber
    barcode: Barcode


class KioskCheckoutRequest(CheckoutRequest):
    pin: str = Field(repr=False, max_length=16)


class DeskCheckoutRequest(CheckoutRequest):
    pin: str | None = Field(default=None, repr=False, max_length=16)
    """Needed where the library's policy asks every patron for their PIN (``[desk] pin_required``)."""


class ReturnRequest(RequestModel):
    barcode: Barcode


class FeeStatusChange(RequestModel):
    status: Literal["paid", "waived"]


@routes.post("/api/staff/checkouts")
async def desk_checkout(request: web.Request) -> web.Response:
    """Staff at the desk know the patron and may lend without the PIN, unless the library's rules ask for it.

    A national card is checked with the registry first (``registry_link.desk``): a card reported lost at
    another library stops lending here at once, not at the next feed sync.
    """
    body = await parse_json_body(request, DeskCheckoutRequest)
    app = request.app
    loan = await lend_at_desk(app[PATRON_LOGINS], app[POLICY], body.card_number, body.barcode, pin=body.pin)
    return json_ok(loan, status=201)


@routes.post("/api/staff/kiosk/checkouts")
async def kiosk_checkout(request: web.Request) -> web.Response:
    """A self-service machine (logged in as a desk account) lends only with the card's PIN."""
    body = await parse_json_body(request, KioskCheckoutRequest)
    app = request.app
    # The PIN check commits on its own (a wrong PIN is counted even though the checkout is then refused); a
    # national card is checked by the registry, and linked here on its first visit.
    patron = await log_in_patron(app[PATRON_LOGINS], body.card_number, body.pin)
    async with transaction(request) as conn:
        loan = await check_out_to(conn, app[POLICY], app[CLOCK], patron, body.barcode)
    return json_ok(loan, status=201)


@routes.post("/api/staff/returns")
async def desk_return(request: web.Request) -> web.Response:
    body = await parse_json_body(request, ReturnRequest)
    async with transaction(request) as conn:
        return json_ok(await return_item(conn, request.app[POLICY], request.app[CLOCK], body.barcode))


@routes.post("/api/staff/loans/{loan_id}/renew")
async def renew_loan(request: web.Request) -> web.Response:
    async with transaction(request) as conn:
        return json_ok(await renew(conn, request.app[POLICY], request.app[CLOCK], path_int(request, "loan_id")))


@routes.post("/api/staff/reservations")
async def place_reservation(request: web.Request) -> web.Response:
    body = await parse_json_body(request, CheckoutRequest)
    async with transaction(request) as conn:
        reservation = await reserve(conn, request.app[POLICY], request.app[CLOCK], body.card_number, body.barcode)
    return json_ok(reservation, status=201)


@routes.delete("/api/staff/reservations/{reservation_id}")
async def withdraw_reservation(request: web.Request) -> web.Response:
    reservation_id = path_int(request, "reservation_id")
    async with transaction(request) as conn:
        return json_ok(await cancel_reservation(conn, request.app[POLICY], request.app[CLOCK], reservation_id))


@routes.put("/api/staff/fees/{fee_id}/status")
async def put_fee_status(request: web.Request) -> web.Response:
    body = await parse_json_body(request, FeeStatusChange)
    async with transaction(request) as conn:
        fee = await set_fee_status(conn, path_int(request, "fee_id"), body.status, today=request.app[CLOCK].today())
    if fee is None:
        raise DomainError(ErrorKind.NOT_FOUND, "fee_not_found", "no such fee")
    return json_ok(fee)
