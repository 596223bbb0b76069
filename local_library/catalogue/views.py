"""``/api/staff/items``: look an item up (desk), add one or import a CSV file (admin)."""

from __future__ import annotations

from aiohttp import web

from local_library.app_keys import POLICY
from local_library.web import json_ok, require_admin, transaction
from plumbing.errors import DomainError, ErrorKind
from plumbing.http.bodies import within_read_timeout
from plumbing.http.problems import parse_json_body

from .importing import import_items_csv
from .models import NewItem
from .queries import insert_item_if_new, item_by_barcode

routes = web.RouteTableDef()


@routes.post("/api/staff/items")
async def add_item(request: web.Request) -> web.Response:
    require_admin(request)
    item = await parse_json_body(request, NewItem)
    item.check_against(request.app[POLICY])
    async with transaction(request) as conn:
        if not await insert_item_if_new(conn, item):
            raise DomainError(ErrorKind.CONFLICT, "barcode_taken", "an item with this barcode exists")
        return json_ok(await item_by_barcode(conn, item.barcode), status=201)


@routes.post("/api/staff/items/import")
async def import_items(request: web.Request) -> web.Response:
    """The body is the CSV file itself (``text/csv``); the answer is the import report."""
    require_admin(request)
    if request.content_type != "text/csv":
        raise DomainError(ErrorKind.INVALID, "unsupported_media_type", "the body must be text/csv")
    try:
        text = (await within_read_timeout(request, request.read())).decode(
            "utf-8-sig"
        )  # a spreadsheet's byte-order mark is not a column name
    except UnicodeDecodeError:
        raise DomainError(ErrorKind.INVALID, "csv_encoding", "the CSV file must be UTF-8") from None
    async with transaction(request) as conn:
        return json_ok(await import_items_csv(conn, request.app[POLICY], text))


@routes.get("/api/staff/items/{barcode}")
async def get_item(request: web.Request) -> web.Response:
    async with transaction(request) as conn:
        return json_ok(await item_by_barcode(conn, request.match_info["barcode"]))
