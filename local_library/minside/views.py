"""HTTP views of "Min side" on the node's HTTPS listener: log in, overview, renew, cancel, my data, log out.

Every page is HTML, whatever goes wrong: refusals from the domain become messages in the patron's language,
never problem+json and never a 500. Forms post back with a CSRF token derived from the session (or, before
login, from a login cookie); after a change the browser is sent back to the overview (post/redirect/get), so
reloading the page never renews a loan twice.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Awaitable, Callable, Iterable
from zoneinfo import ZoneInfo

from aiohttp import web
from pydantic import ValidationError

from local_library.app_keys import (
    CLOCK,
    DOOR_CHECKS,
    EID_RELYING_PARTY,
    PATRON_LOGINS,
    POLICY,
    POOL,
    REGISTRY_LINK,
    SETTINGS,
)
from local_library.app_keys import MINSIDE_REGISTRY_INSIGHT_URL as REGISTRY_INSIGHT_URL
from local_library.app_keys import MINSIDE_SITE as SITE
from local_library.circulation.lending import renew
from local_library.circulation.models import Reservation
from local_library.circulation.reservations import cancel_reservation
from local_library.meraapent.entry_log import own_entries
from local_library.patrons.queries import patron_by_id
from local_library.registry_link.choices import PatronChoices, set_choices
from local_library.registry_link.login import log_in_patron
from local_library.registry_link.sync import wake_sync
from local_library.web import transaction
from plumbing.db.types import DbConnection
from plumbing.errors import DomainError
from plumbing.ratelimit import LoginLimiter
from plumbing.web.pages import OWN_STYLESHEET_HEADERS
from plumbing.web.sessions import Session
from plumbing.web.site import Form, LoginRefusals, Site
from plumbing.web.times import format_date
from registry_contract.online_login import CARD_AND_PIN_REFUSALS, MALFORMED_CARD_NUMBER

from . import card_page, pages, service
from .sessions import COOKIES, node_sessions
from .texts import Language, text

# What a refused login means to the patron: the refusals of every online door (``registry_contract``; a local
# card the node does not know is `patron_not_found` there too), and the node's own: the registry away.
LOGIN_REFUSALS: dict[str, tuple[str, int]] = {
    **CARD_AND_PIN_REFUSALS,
    "registry_unavailable": ("registry_unavailable", 503),
}
MINSIDE_LOGIN_REFUSALS = LoginRefusals(
    by_code=LOGIN_REFUSALS,
    otherwise=("login_failed", 401),
    malformed=MALFORMED_CARD_NUMBER,
    unavailable=("registry_unavailable", 503),
)
RENEWAL_REFUSALS = frozenset(
    {
        "renewal_limit_reached",
        "reserved_by_another",
        "someone_waiting",
        "not_renewable",
        "loan_claimed",
        "renewal_changes_nothing",
    }
)
CANCEL_REFUSALS = frozenset({"reservation_closed", "reservation_not_found"})
CHOICE_REFUSALS = frozenset({"contact_method_unreachable", "nothing_chosen"})

# A local card is "L" and digits (this library's series); a national card is ten digits.
_CARD_NUMBER = re.compile(r"L[0-9]{1,12}|[0-9]{10}")
# Row ids in a query string; bounded so a huge number is "not found", not an overflow in the database driver.
_ROW_ID = re.compile(r"[0-9]{1,18}")


def minside_site(app: web.Application) -> Site:
    """Min side's login, sessions and language (``plumbing.web.site``) on a node app built by ``create_app``.

    The pool and the clock are looked up per request: the pool is made at startup, and tests swap the clock.
    """

    def login_page(
        request: web.Request, language: Language, csrf: str, *, message: str | None, notice: str | None
    ) -> str:
        offered = request.app.get(EID_RELYING_PARTY) is not None  # self-registration with a national eID
        ctx = _context(request, language, csrf, pages.BASE)
        return pages.login_page(ctx, message=message, notice=notice, new_card=offered)

    def now() -> dt.datetime:
        return app[CLOCK].now()  # looked up per call: tests swap the clock after the app is built

    def form_refused(request: web.Request, session: Session, language: Language) -> web.Response:
        ctx = _context(request, language, request.app[SITE].form_token(session), f"{pages.BASE}/me")
        page = pages.message_page(ctx, text("form_expired", language), logged_in=True)
        return request.app[SITE].page(page, language, status=403)

    return Site(
        start_path=pages.BASE, home_path=f"{pages.BASE}/me", cookies=COOKIES, security_headers=OWN_STYLESHEET_HEADERS,
        sessions=node_sessions(app[SETTINGS]),
        limiter=LoginLimiter(),  # in this process's memory (plumbing.ratelimit)
        pool=lambda: app[POOL], now=now, text=text, login_page=login_page, refusals=MINSIDE_LOGIN_REFUSALS,
        form_refused=form_refused,
    )  # fmt: skip


def _context(request: web.Request, language: Language, csrf: str, here: str) -> pages.PageContext:
    app = request.app
    return pages.PageContext(
        language=language, policy=app[POLICY], csrf=csrf, zone=ZoneInfo(app[SETTINGS].timezone), here=here
    )


async def start_page(request: web.Request) -> web.Response:
    return await request.app[SITE].start_page(request)


def _card_number(form: Form) -> str:
    # Patrons type local cards with a small "l" too; national numbers are digits either way.
    return form.get("card_number", "").strip().upper()


def _typing_error(form: Form) -> str | None:
    """The text key for a login that cannot be right as typed, checked before anything is asked: a malformed
    card number cannot name a card. A malformed PIN is *not* caught here: it counts against the card as a
    wrong PIN, as at every other door (otherwise which PINs are "malformed" here would be a free oracle)."""
    card_number, pin = _card_number(form), form.get("pin", "")
    if not card_number or not pin:
        return "missing_fields"
    if not _CARD_NUMBER.fullmatch(card_number):
        return "card_format"
    return None


async def _authenticate(request: web.Request, form: Form) -> uuid.UUID:
    card_number, pin = _card_number(form), form.get("pin", "")
    # A ValidationError from the registry client's own check of the card number (the regex should prevent it)
    # reads as a malformed card number (``LoginRefusals.malformed``).
    patron = await log_in_patron(request.app[PATRON_LOGINS], card_number, pin, door="online")
    return patron.patron_id


async def log_in(request: web.Request) -> web.Response:
    return await request.app[SITE].log_in(request, _authenticate, _typing_error)


def _row_id(value: str | None) -> int | None:
    return int(value) if value is not None and _ROW_ID.fullmatch(value) else None


def _outcome(
    request: web.Request, data: service.Overview, cancelled: Reservation | None, language: Language
) -> tuple[str | None, str | None]:
    """The message and notice for the overview after a renewal or cancellation (from the redirect's query).

    Only ids and whitelisted codes travel in the query; titles come from the patron's own data, so a crafted
    link cannot make the page say anything the library did not.
    """
    query = request.query
    loans = {loan.loan_id: loan for loan in data.loans}
    renewed = loans.get(_row_id(query.get("renewed")) or -1)
    if renewed is not None:
        return None, text("renewed", language, title=renewed.title, due=format_date(renewed.due_on, language))
    refused = query.get("refused")
    if refused is not None:
        loan = loans.get(_row_id(query.get("loan")) or -1)
        if refused in RENEWAL_REFUSALS and loan is not None:
            reason = text(refused, language)
            return text("renewal_refused", language, title=loan.title, reason=reason), None
        return text("loan_not_found", language), None
    if cancelled is not None and cancelled.status == "cancelled":
        return None, text("cancelled", language, title=cancelled.title)
    cancel_refused = query.get("cancel_refused")
    if cancel_refused is not None:
        key = cancel_refused if cancel_refused in CANCEL_REFUSALS else "reservation_not_found"
        return text(key, language), None
    return None, None


PageRenderer = Callable[[DbConnection, uuid.UUID, pages.PageContext], Awaitable[str]]


async def _own_page(request: web.Request, here: str, render: PageRenderer) -> web.Response:
    """A page of the logged-in patron's own data, read and rendered in one transaction (``here`` is its path)."""
    site = request.app[SITE]
    visit = await site.visit(request)
    if isinstance(visit, web.Response):
        return visit
    ctx = _context(request, visit.language, site.form_token(visit.session), here)
    try:
        async with transaction(request) as conn:
            page = await render(conn, visit.session.patron_id, ctx)
    except DomainError as error:
        if error.code == "patron_not_found":  # removed (opted out, erased) while logged in
            return site.expired(visit.language)
        raise
    return site.page(page, visit.language)


async def overview(request: web.Request) -> web.Response:
    cancelled_id = _row_id(request.query.get("cancelled"))

    async def render(conn: DbConnection, patron_id: uuid.UUID, ctx: pages.PageContext) -> str:
        data = await service.overview(conn, patron_id)
        cancelled = None
        if cancelled_id is not None:
            cancelled = await service.own_reservation(conn, patron_id, cancelled_id)
        message, notice = _outcome(request, data, cancelled, ctx.language)
        return pages.overview_page(ctx, data, request.app[CLOCK].today(), message=message, notice=notice)

    return await _own_page(request, f"{pages.BASE}/me", render)


async def own_card(request: web.Request) -> web.Response:
    """The patron's card as a barcode and a QR code (``card_page``)."""

    async def render(conn: DbConnection, patron_id: uuid.UUID, ctx: pages.PageContext) -> str:
        return card_page.card_page(ctx, await patron_by_id(conn, patron_id))

    return await _own_page(request, f"{pages.BASE}/card", render)


async def my_data(request: web.Request) -> web.Response:
    refused = request.query.get("refused")

    async def render(conn: DbConnection, patron_id: uuid.UUID, ctx: pages.PageContext) -> str:
        data = await service.stored_data(conn, patron_id)
        hours = request.app[POLICY].unstaffed
        entries = await own_entries(conn, request.app[DOOR_CHECKS].entry_key, patron_id) if hours.offered else None
        notice = text("choices_saved", ctx.language) if "saved" in request.query else None
        message = text(refused, ctx.language) if refused in CHOICE_REFUSALS else None
        return pages.my_data_page(ctx, data, registry_insight_url=request.app[REGISTRY_INSIGHT_URL],
                                  door_entries=entries, entry_log_days=hours.entry_log_days, message=message,
                                  notice=notice)  # fmt: skip

    return await _own_page(request, f"{pages.BASE}/my-data", render)


async def save_choices(request: web.Request) -> web.Response:
    """The patron's own choices (notice before the due date, contact method); back to "my data" with the outcome."""
    site = request.app[SITE]
    post = await site.session_form(request)
    if isinstance(post, web.Response):
        return post
    form = post.form
    shown = form.get("pre_due_notice_shown") == "yes"
    contact = form.get("preferred_contact")
    outcome = "saved=1"
    try:
        wanted = PatronChoices.model_validate(
            {"pre_due_notice": form.get("pre_due_notice") == "yes" if shown else None,
             "preferred_contact": contact if contact in {"letter", "email", "sms"} else None},
        )  # fmt: skip
        async with transaction(request) as conn:
            await set_choices(conn, request.app[REGISTRY_LINK].cipher, post.session.patron_id, wanted)
    except ValidationError:
        outcome = "refused=nothing_chosen"
    except DomainError as error:
        if error.code not in CHOICE_REFUSALS:
            raise
        outcome = f"refused={error.code}"
    if outcome == "saved=1":
        wake_sync(request.app[REGISTRY_LINK])
    return site.redirect(f"{pages.BASE}/my-data?lang={post.language}&{outcome}")


PatronAction = Callable[[DbConnection, int, uuid.UUID], Awaitable[object]]


async def _act_on_own(
    request: web.Request, target: str, action: PatronAction, *, done: str, refused: str, known: Iterable[str]
) -> web.Response:
    """Run one of the patron's own actions on ``target`` (a loan or reservation) and go back to the overview.

    The outcome travels in the redirect's query (``done=<id>`` or ``refused=<code>``), so a reload repeats
    nothing; a refusal the page has no words for is shown as "not found".
    """
    site = request.app[SITE]
    post = await site.session_form(request)
    if isinstance(post, web.Response):
        return post
    target_id = int(request.match_info[target])
    try:
        async with transaction(request) as conn:
            await action(conn, target_id, post.session.patron_id)
    except DomainError as error:
        code = error.code if error.code in known else f"{target.removesuffix('_id')}_not_found"
        outcome = refused.format(code=code, id=target_id)
    else:
        outcome = done.format(id=target_id)
    return site.redirect(f"{pages.BASE}/me?lang={post.language}&{outcome}")


async def renew_loan(request: web.Request) -> web.Response:
    app = request.app

    async def renew_it(conn: DbConnection, loan_id: int, patron_id: uuid.UUID) -> object:
        return await renew(conn, app[POLICY], app[CLOCK], loan_id, patron_id=patron_id)

    return await _act_on_own(
        request, "loan_id", renew_it, done="renewed={id}", refused="refused={code}&loan={id}", known=RENEWAL_REFUSALS
    )


async def cancel_own_reservation(request: web.Request) -> web.Response:
    app = request.app

    async def cancel_it(conn: DbConnection, reservation_id: int, patron_id: uuid.UUID) -> object:
        return await cancel_reservation(conn, app[POLICY], app[CLOCK], reservation_id, patron_id=patron_id)

    return await _act_on_own(
        request, "reservation_id", cancel_it, done="cancelled={id}", refused="cancel_refused={code}",
        known=CANCEL_REFUSALS,
    )  # fmt: skip


async def log_out(request: web.Request) -> web.Response:
    return await request.app[SITE].log_out(request)


async def stylesheet(request: web.Request) -> web.Response:
    response = web.Response(text=pages.STYLESHEET, content_type="text/css", charset="utf-8")
    response.headers.update(OWN_STYLESHEET_HEADERS)
    return response
