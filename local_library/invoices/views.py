"""``/api/staff/`` replacement invoices by KID: the statement, and payments recorded against it once each."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from aiohttp import web
from pydantic import Field, StringConstraints

from local_library.app_keys import POLICY
from local_library.request_model import RequestModel
from local_library.web import json_ok, path_uuid, transaction
from plumbing.http.problems import parse_json_body

from .invoices import record_payment, statement_by_kid, statements_of_patron

routes = web.RouteTableDef()


class PaymentRequest(RequestModel):
    payment_reference: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    """The bank's reference of this payment (an OCR file's archive reference, the desk's receipt number)."""
    amount_ore: int = Field(strict=True, gt=0, le=10_000_000)
    paid_on: date


@routes.get("/api/staff/invoices/{kid}")
async def get_invoice(request: web.Request) -> web.Response:
    async with transaction(request) as conn:
        return json_ok(await statement_by_kid(conn, request.app[POLICY].invoices, request.match_info["kid"]))


@routes.post("/api/staff/invoices/{kid}/payments")
async def post_payment(request: web.Request) -> web.Response:
    """201 for a new payment, 200 for the same payment sent again (nothing recorded twice)."""
    body = await parse_json_body(request, PaymentRequest)
    async with transaction(request) as conn:
        result = await record_payment(
            conn, request.app[POLICY].invoices, request.match_info["kid"],
            payment_reference=body.payment_reference, amount_ore=body.amount_ore, paid_on=body.paid_on,
        )  # fmt: skip
    return json_ok(result, status=201 if result.recorded else 200)


@routes.get("/api/staff/patrons/{patron_id}/invoices")
async def get_patron_invoices(request: web.Request) -> web.Response:
    async with transaction(request) as conn:
        return json_ok(await statements_of_patron(conn, path_uuid(request, "patron_id")))
