"""Interlibrary requests at ``/staff/interlibrary``: what other libraries asked us for (pull from the shelf,
ship, or say we cannot), our copies out at other libraries (take them back in), our patrons' requests (take
the shipment in, lend, take back, ship home, renew, cancel), messages still waiting for another library, and
one search across the libraries that lend, with ordering for a patron by card number.

Every action is the staff API's domain function (``local_library.interlibrary``); after a post the page is
shown again (post/redirect/get) with the outcome in words.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from html import escape
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from local_library.app_keys import CLOCK, INTERLIBRARY, POLICY, POOL, SETTINGS
from local_library.interlibrary import borrowing, lending
from local_library.interlibrary.models import BorrowedRequest, LentRequest
from local_library.interlibrary.outbox import messages_waiting, retry_message
from local_library.interlibrary.queries import open_borrowed, open_lent
from local_library.interlibrary.search import CatalogueQuery, LibraryResult
from local_library.interlibrary.words import refusal, word
from local_library.patrons.queries import patron_by_card, patron_names
from local_library.web import transaction
from plumbing.db.types import DbConnection
from plumbing.errors import DomainError

from . import pages
from .interlibrary_texts import INTERLIBRARY_TEXTS
from .pages import DeskContext, message, notice, post_button, table
from .site import Desk, admin_refused, desk_page, desk_post, desk_redirect, desk_visit
from .texts import add_texts, text

add_texts(INTERLIBRARY_TEXTS)

PAGE = pages.INTERLIBRARY
_CODE = re.compile(r"[a-z_]{1,64}")
_LIBRARY_ID = re.compile(r"[a-z][a-z0-9-]{1,31}")
_BARCODE = re.compile(r"[A-Za-z0-9-]{1,64}")

Names = Callable[[str], str]


def _button(ctx: DeskContext, path: str, action: str) -> str:
    return post_button(ctx, f"{PAGE}/{path}/{action}", text(f"ill_act_{action.replace('-', '_')}", ctx.language))


def _state(ctx: DeskContext, state: str) -> str:
    return escape(word(f"state_{state}", ctx.language))


def _pull_row(ctx: DeskContext, request: LentRequest, name: Names) -> str:
    path = f"incoming/{request.request_id}"
    actions = _button(ctx, path, "ship") + " " + _button(ctx, path, "refuse")
    return (
        f'<tr><th scope="row">{escape(request.title)}</th><td>{escape(request.barcode)}</td>'
        f"<td>{escape(name(request.borrower_library))}</td><td>{ctx.datetime(request.requested_at)}</td>"
        f"<td>{actions}</td></tr>"
    )


def _away_row(ctx: DeskContext, request: LentRequest, name: Names) -> str:
    return (
        f'<tr><th scope="row">{escape(request.title)}</th><td>{escape(request.barcode)}</td>'
        f"<td>{escape(name(request.borrower_library))}</td><td>{ctx.date(request.due_on)}</td>"
        f"<td>{_button(ctx, f'incoming/{request.request_id}', 'received-back')}</td></tr>"
    )


_OUR_ACTIONS = {
    "requested": ("received", "cancel"),
    "shipped": ("received",),
    "received": ("lend", "ship-back"),
    "lent": ("returned", "renew"),
    "returned": ("ship-back",),
}


def _our_row(
    ctx: DeskContext, request: BorrowedRequest, name: Names, patrons: dict[uuid.UUID, str], today: date
) -> str:
    path = f"requests/{request.request_id}"
    actions = " ".join(_button(ctx, path, action) for action in _OUR_ACTIONS.get(request.state, ()))
    patron = patrons.get(request.patron_id, "") if request.patron_id is not None else ""
    pickup = (
        f"{ctx.date(request.pickup_deadline)} ({ctx.t('ill_reference')} {escape(request.reference_number or '')})"
        if request.state == "received"
        else ""
    )
    if request.state == "received" and request.pickup_deadline is not None and request.pickup_deadline < today:
        pickup += f" <strong>{ctx.t('ill_not_collected')}</strong>"  # staff send it home
    return (
        f'<tr><th scope="row">{escape(request.title)}</th><td>{escape(name(request.owner_library))}</td>'
        f"<td>{escape(patron)}</td><td>{_state(ctx, request.state)}</td><td>{pickup}</td>"
        f"<td>{ctx.date(request.owner_due_on)}</td><td>{actions}</td></tr>"
    )


def _message_row(ctx: DeskContext, entry: dict[str, Any], name: Names) -> str:
    retry = ""
    if entry["status"] == "needs_staff" and ctx.staff is not None and ctx.staff.is_admin:
        retry = post_button(ctx, f"{PAGE}/outbox/{entry['outbox_id']}/retry", text("ill_act_retry", ctx.language))
    return (
        f'<tr><th scope="row">{entry["outbox_id"]}</th><td>{ctx.t("ill_op_" + entry["operation"])}</td>'
        f"<td>{escape(name(entry['peer_library']))}</td><td>{ctx.t('ill_' + entry['status'])}</td>"
        f"<td>{entry['attempts']}</td><td>{escape(entry['last_error'] or '')}</td><td>{retry}</td></tr>"
    )


def _search(ctx: DeskContext, search_text: str, results: list[LibraryResult] | None, own: str, name: Names) -> str:
    form = f"""<h2>{ctx.t("ill_search")}</h2>
<form method="get" action="{PAGE}" role="search"><input type="hidden" name="lang" value="{ctx.language}">
<label for="q">{ctx.t("ill_search_label")}</label>
<input id="q" name="q" type="search" value="{escape(search_text)}" minlength="2" maxlength="200" required>
<button type="submit">{ctx.t("ill_search_button")}</button></form>"""
    if results is None:
        return form
    sections = [form]
    for result in results:
        status = word(f"status_{result.status}", ctx.language)
        caption = ctx.t("ill_results", library=name(result.library_id), status=status)
        rows = []
        for hit in result.hits:
            order = ""
            if hit.available and result.library_id != own:
                order = f"""<form class="inline" method="post" action="{PAGE}/order">{ctx.hidden_fields()}
<input type="hidden" name="owner_library" value="{escape(result.library_id)}">
<input type="hidden" name="barcode" value="{escape(hit.barcode)}">
<input type="hidden" name="title" value="{escape(hit.title)}">
<label>{ctx.t("ill_order_for")} <input name="card_number" required maxlength="32" size="12"></label>
<button type="submit">{ctx.t("ill_order")}</button></form>"""
            rows.append(
                f'<tr><th scope="row">{escape(hit.title)}</th><td>{escape(hit.author or "")}</td>'
                f"<td>{escape(hit.barcode)}</td><td>{ctx.t('ill_yes' if hit.available else 'ill_no')}</td>"
                f"<td>{order}</td></tr>"
            )
        headings = [ctx.t(k) for k in ("ill_title", "ill_search_label", "ill_barcode", "ill_available", "ill_action")]
        empty = ctx.t("ill_no_hits") if result.status == "answered" else " "
        sections.append(table(caption, headings, rows, empty=empty, level=3))
    return "\n".join(sections)


async def _names(request: web.Request, language: str) -> Names:
    try:
        names = await request.app[INTERLIBRARY].transport.display_names()
    except Exception:  # noqa: BLE001 - the directory away: ids are still readable names
        names = {}

    def name(library_id: str) -> str:
        known = names.get(library_id)
        return library_id if known is None else (known[0] if language == "nb" else known[1])

    return name


async def interlibrary_page(request: web.Request) -> web.Response:
    desk = await desk_visit(request)
    if isinstance(desk, web.Response):
        return desk
    ctx = desk.ctx
    search_text = request.query.get("q", "").strip()
    results = None
    if search_text:
        try:
            results = await request.app[INTERLIBRARY].search(CatalogueQuery(text=search_text))
        except ValidationError:
            results = []
    async with request.app[POOL].acquire() as conn:
        incoming, ours, waiting = await open_lent(conn), await open_borrowed(conn), await messages_waiting(conn)
        patrons = await patron_names(conn, [item.patron_id for item in ours if item.patron_id is not None])
    name = await _names(request, desk.language)
    today = request.app[CLOCK].today()
    pull = [item for item in incoming if item.state == "requested"]
    away = [item for item in incoming if item.state != "requested"]
    said, refused = _outcome(desk, request.query)
    columns = {
        "pull": ("ill_title", "ill_barcode", "ill_library", "ill_requested", "ill_action"),
        "away": ("ill_title", "ill_barcode", "ill_library", "ill_due", "ill_action"),
        "ours": ("ill_title", "ill_library", "ill_patron", "ill_state", "ill_pickup", "ill_due", "ill_action"),
        "messages": ("ill_entry", "ill_operation", "ill_library", "ill_status", "ill_attempts", "ill_reason",
                     "ill_action"),
    }  # fmt: skip
    headings = {section: [ctx.t(key) for key in keys] for section, keys in columns.items()}
    sections = [
        table(ctx.t("ill_pull"), headings["pull"], [_pull_row(ctx, item, name) for item in pull],
              empty=ctx.t("ill_none_pull")),
        table(ctx.t("ill_away"), headings["away"], [_away_row(ctx, item, name) for item in away],
              empty=ctx.t("ill_none_away")),
        table(ctx.t("ill_ours"), headings["ours"], [_our_row(ctx, item, name, patrons, today) for item in ours],
              empty=ctx.t("ill_none_ours")),
        table(ctx.t("ill_messages"), headings["messages"], [_message_row(ctx, entry, name) for entry in waiting],
              empty=ctx.t("ill_none_messages")),
        _search(ctx, search_text, results, request.app[SETTINGS].library_id, name),
    ]  # fmt: skip
    body = f"<h1>{ctx.t('ill_heading')}</h1>\n{message(refused)}{notice(said)}\n" + "\n".join(sections)
    return desk_page(request, desk, text("ill_heading", desk.language), body, section="interlibrary")


def _outcome(desk: Desk, query: Any) -> tuple[str | None, str | None]:
    if query.get("done") == "1":
        return text("ill_done", desk.language), None
    refused = query.get("refused")
    if refused is None or not _CODE.fullmatch(refused):
        return None, None
    if refused == "patron_not_found":
        return None, text("ill_unknown_card", desk.language)
    return None, refusal(refused, desk.language)


Move = Callable[[web.Request, DbConnection, uuid.UUID], Awaitable[object]]

_BORROWING_MOVES: dict[str, Move] = {
    "received": lambda r, c, i: borrowing.receive_shipment(c, r.app[POLICY], r.app[CLOCK], i),
    "lend": lambda r, c, i: borrowing.lend_to_patron(c, r.app[CLOCK], i),
    "returned": lambda r, c, i: borrowing.take_back_from_patron(c, r.app[CLOCK], i),
    "ship-back": lambda r, c, i: borrowing.ship_back(c, r.app[CLOCK], i),
    "cancel": lambda r, c, i: borrowing.cancel_order(c, r.app[CLOCK], i),
}
_LENDING_MOVES: dict[str, Move] = {
    "ship": lambda r, c, i: lending.ship(c, r.app[POLICY], r.app[CLOCK], i),
    "refuse": lambda r, c, i: lending.refuse(c, r.app[POLICY], r.app[CLOCK], i, "not_available"),
    "received-back": lambda r, c, i: lending.receive_back(c, r.app[POLICY], r.app[CLOCK], i),
}


async def _move(request: web.Request, moves: dict[str, Move]) -> web.Response:
    desk = await desk_post(request, PAGE)
    if isinstance(desk, web.Response):
        return desk
    action = request.match_info["action"]
    renewing = action == "renew" and moves is _BORROWING_MOVES
    try:
        request_id = uuid.UUID(request.match_info["request_id"])
    except ValueError:
        request_id = None
    if request_id is None or not (renewing or action in moves):
        return desk_redirect(request, desk, f"{PAGE}?refused=interlibrary_request_not_found")
    try:
        if renewing:
            await request.app[INTERLIBRARY].renew(request_id)
        else:
            async with transaction(request) as conn:
                await moves[action](request, conn, request_id)
    except DomainError as error:
        return desk_redirect(request, desk, f"{PAGE}?refused={error.code}")
    return desk_redirect(request, desk, f"{PAGE}?done=1")


async def move_ours(request: web.Request) -> web.Response:
    return await _move(request, _BORROWING_MOVES)


async def move_incoming(request: web.Request) -> web.Response:
    return await _move(request, _LENDING_MOVES)


async def order(request: web.Request) -> web.Response:
    desk = await desk_post(request, PAGE)
    if isinstance(desk, web.Response):
        return desk
    form = desk.form
    owner, barcode, title = form.get("owner_library", ""), form.get("barcode", ""), form.get("title", "").strip()
    card = form.get("card_number", "").strip().upper()
    if not (_LIBRARY_ID.fullmatch(owner) and _BARCODE.fullmatch(barcode) and 0 < len(title) <= 500 and card):
        return desk_redirect(request, desk, f"{PAGE}?refused=interlibrary_request_not_found")
    try:
        async with transaction(request) as conn:
            patron = await patron_by_card(conn, card[:32])
            await borrowing.order_copy(
                conn, request.app[CLOCK], request.app[SETTINGS].library_id, patron, owner_library=owner,
                barcode=barcode, title=title, author=None,
            )  # fmt: skip
    except DomainError as error:
        return desk_redirect(request, desk, f"{PAGE}?refused={error.code}")
    return desk_redirect(request, desk, f"{PAGE}?done=1")


async def retry(request: web.Request) -> web.Response:
    desk = await desk_post(request, PAGE)
    if isinstance(desk, web.Response):
        return desk
    refused_admin = admin_refused(request, desk, PAGE)
    if refused_admin is not None:
        return refused_admin
    try:
        async with transaction(request) as conn:
            await retry_message(conn, int(request.match_info["outbox_id"]), request.app[CLOCK].now())
    except DomainError as error:
        return desk_redirect(request, desk, f"{PAGE}?refused={error.code}")
    return desk_redirect(request, desk, f"{PAGE}?done=1")


def add_interlibrary_routes(app: web.Application) -> None:
    uuid_pattern = "{request_id:[0-9a-f-]{36}}"
    app.router.add_get(PAGE, interlibrary_page)
    app.router.add_post(f"{PAGE}/order", order)
    app.router.add_post(f"{PAGE}/requests/{uuid_pattern}/{{action:[a-z-]{{1,20}}}}", move_ours)
    app.router.add_post(f"{PAGE}/incoming/{uuid_pattern}/{{action:[a-z-]{{1,20}}}}", move_incoming)
    app.router.add_post(f"{PAGE}/outbox/{{outbox_id:[0-9]{{1,18}}}}/retry", retry)
