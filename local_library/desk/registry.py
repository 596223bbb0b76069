"""The registry link's status at ``/staff/registry``: whether the registry answers, the changes queued for
it, the ones it refused (waiting for staff, with the reason in words), and, for admins, retrying or
discarding a refused one (discarding asks for confirmation: the change's data is destroyed).

The reads and actions are the staff API's: ``status.checks.registry_identity``,
``registry_link.queries.outbox_overview``, ``registry_link.outbox.retry_entry`` / ``discard_entry``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from html import escape
from typing import Any

from aiohttp import web

from local_library.app_keys import POOL, REGISTRY, REGISTRY_LINK
from local_library.patrons.queries import patron_names
from local_library.registry_link.outbox import discard_entry, retry_entry
from local_library.registry_link.queries import outbox_overview
from local_library.registry_link.sync import wake_sync
from local_library.status.checks import registry_identity
from local_library.web import path_int, transaction
from plumbing.errors import DomainError

from . import pages
from .pages import DeskContext, message, notice, post_button, table
from .registry_texts import REGISTRY_TEXTS
from .site import Desk, admin_refused, desk_page, desk_post, desk_redirect, desk_visit
from .texts import add_texts, text

add_texts(REGISTRY_TEXTS)

OPERATIONS = frozenset(key.removeprefix("status_op_") for key in REGISTRY_TEXTS if key.startswith("status_op_"))
CODES = frozenset(key.removeprefix("status_code_") for key in REGISTRY_TEXTS if key.startswith("status_code_")) - {
    "other"
}


def reason(ctx: DeskContext, code: str | None) -> str:
    """A waiting change's code in words (escaped); a code we have no words for is named as it is."""
    if not code:
        return ""
    return ctx.t(f"status_code_{code}") if code in CODES else ctx.t("status_code_other", code=code)


def _operation(ctx: DeskContext, operation: str) -> str:
    return ctx.t(f"status_op_{operation}") if operation in OPERATIONS else escape(operation)


@dataclass(frozen=True)
class RegistryView:
    library_id: str | None
    unreachable_code: str | None
    entries: list[dict[str, Any]]
    names: dict[uuid.UUID, str]


def _patron(ctx: DeskContext, view: RegistryView, entry: dict[str, Any]) -> str:
    name = view.names.get(entry["patron_id"])
    return escape(name) if name is not None else ctx.t("patron_gone")


def _waiting_row(ctx: DeskContext, view: RegistryView, entry: dict[str, Any]) -> str:
    outbox_id = entry["outbox_id"]
    if ctx.staff is not None and ctx.staff.is_admin:
        actions = (
            post_button(ctx, f"{pages.REGISTRY}/outbox/{outbox_id}/retry", text("retry", ctx.language))
            + " "
            + post_button(ctx, f"{pages.REGISTRY}/outbox/{outbox_id}/discard", text("discard", ctx.language))
        )
    else:
        actions = ctx.t("admin_only")
    return (
        f'<tr><th scope="row">{outbox_id}</th><td>{_operation(ctx, entry["operation"])}</td>'
        f"<td>{_patron(ctx, view, entry)}</td><td>{ctx.datetime(entry['created_at'])}</td>"
        f"<td>{entry['attempts']}</td><td>{reason(ctx, entry['last_error'])}</td><td>{actions}</td></tr>"
    )


def _queued_row(ctx: DeskContext, view: RegistryView, entry: dict[str, Any]) -> str:
    next_attempt = ctx.datetime(entry["next_attempt_at"]) if entry["next_attempt_at"] else ""
    return (
        f'<tr><th scope="row">{entry["outbox_id"]}</th><td>{_operation(ctx, entry["operation"])}</td>'
        f"<td>{_patron(ctx, view, entry)}</td><td>{ctx.datetime(entry['created_at'])}</td>"
        f"<td>{entry['attempts']}</td><td>{next_attempt}</td><td>{reason(ctx, entry['last_error'])}</td></tr>"
    )


def _recent_row(ctx: DeskContext, view: RegistryView, entry: dict[str, Any]) -> str:
    finished = ctx.datetime(entry["finished_at"]) if entry["finished_at"] else ""
    return (
        f'<tr><th scope="row">{entry["outbox_id"]}</th><td>{_operation(ctx, entry["operation"])}</td>'
        f"<td>{_patron(ctx, view, entry)}</td><td>{ctx.t('outbox_' + entry['status'])}</td><td>{finished}</td></tr>"
    )


def registry_body(ctx: DeskContext, view: RegistryView, *, said: str | None, refused: str | None) -> str:
    if view.library_id is not None:
        reachability = notice(text("registry_reachable", ctx.language, library_id=view.library_id))
    else:
        why = text(f"status_code_{view.unreachable_code}", ctx.language) if view.unreachable_code in CODES else ""
        words = why or text("status_code_other", ctx.language, code=view.unreachable_code or "")
        reachability = message(text("registry_unreachable", ctx.language, reason=words))
    by_status: dict[str, list[dict[str, Any]]] = {"needs_staff": [], "pending": [], "done": []}
    for entry in view.entries:
        by_status.get(entry["status"], by_status["done"]).append(entry)
    waiting = table(
        ctx.t("waiting_for_staff"),
        [ctx.t(k) for k in ("entry", "operation", "patron", "created", "attempts", "reason", "action")],
        [_waiting_row(ctx, view, entry) for entry in by_status["needs_staff"]],
        empty=ctx.t("none_waiting"),
    )
    queued = table(
        ctx.t("queued"),
        [ctx.t(k) for k in ("entry", "operation", "patron", "created", "attempts", "next_attempt", "reason")],
        [_queued_row(ctx, view, entry) for entry in by_status["pending"]],
        empty=ctx.t("none_queued"),
    )
    recent = table(
        ctx.t("recent"),
        [ctx.t(k) for k in ("entry", "operation", "patron", "outcome", "finished")],
        [_recent_row(ctx, view, entry) for entry in by_status["done"]],
        empty=ctx.t("none_recent"),
    )
    return f"""<h1>{ctx.t("registry_heading")}</h1>
{message(refused)}{notice(said)}
{reachability}
{waiting}
{queued}
{recent}"""


async def registry_page(request: web.Request) -> web.Response:
    desk = await desk_visit(request)
    if isinstance(desk, web.Response):
        return desk
    library_id, unreachable = None, None
    try:
        library_id = await registry_identity(request.app[REGISTRY])
    except DomainError as error:
        unreachable = error.code
    async with request.app[POOL].acquire() as conn:
        entries = await outbox_overview(conn)
        names = await patron_names(conn, list({entry["patron_id"] for entry in entries if entry["patron_id"]}))
    view = RegistryView(library_id, unreachable, entries, names)
    said, refused = _outcome(desk, request.query)
    body = registry_body(desk.ctx, view, said=said, refused=refused)
    return desk_page(request, desk, text("registry_heading", desk.language), body, section="registry")


def _outcome(desk: Desk, query: Any) -> tuple[str | None, str | None]:
    language, entry = desk.language, query.get("entry", "")
    if not (entry.isascii() and entry.isdigit() and len(entry) <= 18):
        return None, None
    done, refused = query.get("done"), query.get("refused")
    if done in ("retry", "discard"):
        return text(f"done_{done}", language, id=int(entry)), None
    if refused is not None:
        words = (
            text(f"status_code_{refused}", language)
            if refused in CODES
            else text("status_code_other", language, code="?")
        )
        return None, text("outbox_refused", language, reason=words)
    return None, None


async def _admin_post(request: web.Request) -> Desk | web.Response:
    desk = await desk_post(request, pages.REGISTRY)
    if isinstance(desk, web.Response):
        return desk
    return admin_refused(request, desk, pages.REGISTRY) or desk


async def retry(request: web.Request) -> web.Response:
    desk = await _admin_post(request)
    if isinstance(desk, web.Response):
        return desk
    outbox_id = path_int(request, "outbox_id")
    try:
        async with transaction(request) as conn:
            await retry_entry(conn, outbox_id)
    except DomainError as error:
        return desk_redirect(request, desk, f"{pages.REGISTRY}?entry={outbox_id}&refused={error.code}")
    wake_sync(request.app[REGISTRY_LINK])
    return desk_redirect(request, desk, f"{pages.REGISTRY}?entry={outbox_id}&done=retry")


async def discard(request: web.Request) -> web.Response:
    """The first post shows what will be lost and asks again; the second (``confirm=yes``) discards."""
    desk = await _admin_post(request)
    if isinstance(desk, web.Response):
        return desk
    outbox_id = path_int(request, "outbox_id")
    if desk.form.get("confirm") != "yes":
        return await _confirm_discard(request, desk, outbox_id)
    try:
        async with transaction(request) as conn:
            await discard_entry(conn, outbox_id)
    except DomainError as error:
        return desk_redirect(request, desk, f"{pages.REGISTRY}?entry={outbox_id}&refused={error.code}")
    return desk_redirect(request, desk, f"{pages.REGISTRY}?entry={outbox_id}&done=discard")


async def _confirm_discard(request: web.Request, desk: Desk, outbox_id: int) -> web.Response:
    ctx = desk.ctx
    async with request.app[POOL].acquire() as conn:
        entry = next((e for e in await outbox_overview(conn) if e["outbox_id"] == outbox_id), None)
        names = await patron_names(conn, [entry["patron_id"]]) if entry and entry["patron_id"] else {}
    if entry is None or entry["status"] != "needs_staff":
        return desk_redirect(request, desk, f"{pages.REGISTRY}?entry={outbox_id}&refused=outbox_entry_not_waiting")
    operation = text(f"status_op_{entry['operation']}", ctx.language) if entry["operation"] in OPERATIONS else ""
    patron = names.get(entry["patron_id"]) or text("patron_gone", ctx.language)
    body = f"""<h1>{ctx.t("discard_confirm_heading", id=outbox_id)}</h1>
<p>{ctx.t("discard_confirm_text", operation=operation, patron=patron)}</p>
<p>{ctx.t("reason")}: {reason(ctx, entry["last_error"])}</p>
{post_button(ctx, f"{pages.REGISTRY}/outbox/{outbox_id}/discard", text("discard_confirm", ctx.language),
             fields={"confirm": "yes"})}
<p><a href="{escape(ctx.with_lang(pages.REGISTRY))}">{ctx.t("back")}</a></p>"""  # fmt: skip
    title = text("discard_confirm_heading", ctx.language, id=outbox_id)
    return desk_page(request, desk, title, body, section="registry")


def add_registry_routes(app: web.Application) -> None:
    app.router.add_get("/staff/registry", registry_page)
    app.router.add_post("/staff/registry/outbox/{outbox_id:[0-9]{1,18}}/retry", retry)
    app.router.add_post("/staff/registry/outbox/{outbox_id:[0-9]{1,18}}/discard", discard)
