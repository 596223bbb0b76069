"""HTTP views of "Min side" on the node's HTTPS listener: log in, overview, renew, cancel, my data, log out.

Every page is HTML, whatever goes wrong: refusals from the domain become messages in the patron's language,
never problem+json and never a 500. Forms post back with a CSRF token derived from the session (or, before
login, from a login cookie); after a change the browser is sent back to the overview (post/redirect/get), so
reloading the page never renews a loan twice.
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Awaitable, Callable, Iterable
from zoneinfo import ZoneInfo

from aiohttp import web
from pydantic import ValidationError

from local_library.app_keys import CLOCK, PATRON_LOGINS, POLICY, POOL, SETTINGS
from local_library.app_keys import MINSIDE_LIMITER as LIMITER
from local_library.app_keys import MINSIDE_REGISTRY_INSIGHT_URL as REGISTRY_INSIGHT_URL
from local_library.app_keys import MINSIDE_SIGNER as SIGNER
from local_library.circulation.lending import renew
from local_library.circulation.models import Reservation
from local_library.circulation.reservations import cancel_reservation
from local_library.registry_link.login import log_in_patron
from local_library.web import transaction
from plumbing.db.types import DbConnection
from plumbing.errors import DomainError, ErrorKind
from plumbing.web.pages import form_fields, security_headers, set_private_cookie

from . import pages, service
from .sessions import COOKIE_PATH, LANGUAGE_COOKIE, PRE_SESSION_COOKIE, SESSION_COOKIE, Session
from .texts import LANGUAGES, Language, format_date, text

# Nothing but our own stylesheet: no scripts at all, no inline styles.
SECURITY_HEADERS = security_headers(
    "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)

# What a refused login means to the patron. An unknown card reads like a wrong PIN on purpose: saying "no
# such card" would let anyone test which card numbers exist.
LOGIN_REFUSALS: dict[str, tuple[str, int]] = {
    "pin_invalid": ("wrong_pin", 401),  # the registry's code for a wrong PIN on a national card
    "card_not_found": ("wrong_pin", 401),
    "patron_not_found": ("wrong_pin", 401),
    "card_number_checksum": ("wrong_pin", 401),
    "card_number_format": ("card_format", 422),
    "pin_attempts_throttled": ("throttled", 429),
    "login_rate_limited": ("too_many_attempts", 429),
    "pin_locked": ("locked", 423),
    "pin_not_set": ("no_pin", 403),
    "card_replaced": ("card_replaced", 410),
    "registry_unavailable": ("registry_unavailable", 503),
}
RENEWAL_REFUSALS = frozenset(
    {"renewal_limit_reached", "reserved_by_another", "someone_waiting", "not_renewable", "loan_claimed"}
)
CANCEL_REFUSALS = frozenset({"reservation_closed", "reservation_not_found"})

# A local card is "L" and digits (this library's series); a national card is ten digits.
_CARD_NUMBER = re.compile(r"L[0-9]{1,12}|[0-9]{10}")
# Row ids in a query string; bounded so a huge number is "not found", not an overflow in the database driver.
_ROW_ID = re.compile(r"[0-9]{1,18}")


def _page_response(body: str, language: Language, *, status: int = 200) -> web.Response:
    response = web.Response(text=body, content_type="text/html", charset="utf-8", status=status)
    response.headers.update(SECURITY_HEADERS)
    _set_cookie(response, LANGUAGE_COOKIE, language)
    return response


def _redirect(location: str) -> web.Response:
    # Returned, not raised: the cookies set on it must reach the browser, and every response gets the headers.
    response = web.Response(status=303, headers={"Location": location})
    response.headers.update(SECURITY_HEADERS)
    return response


def _set_cookie(response: web.StreamResponse, name: str, value: str) -> None:
    set_private_cookie(response, name, value, path=COOKIE_PATH)


def _language(request: web.Request, form_value: object = None) -> Language:
    for candidate in (form_value, request.query.get("lang"), request.cookies.get(LANGUAGE_COOKIE)):
        for language in LANGUAGES:
            if candidate == language:
                return language
    return "en" if request.headers.get("Accept-Language", "").lower().startswith("en") else "nb"


def _context(request: web.Request, language: Language, csrf: str, here: str) -> pages.PageContext:
    app = request.app
    return pages.PageContext(
        language=language, policy=app[POLICY], csrf=csrf, zone=ZoneInfo(app[SETTINGS].timezone), here=here
    )


async def _session(request: web.Request) -> Session | None:
    async with request.app[POOL].acquire() as conn:
        return await request.app[SIGNER].resume(conn, request.cookies.get(SESSION_COOKIE), request.app[CLOCK].now())


def _session_csrf(request: web.Request, session: Session) -> str:
    return request.app[SIGNER].session_form_token(session)


def _expired(language: Language) -> web.Response:
    response = _redirect(f"{pages.BASE}?expired=1&lang={language}")
    response.del_cookie(SESSION_COOKIE, path=COOKIE_PATH)
    return response


def _login_page(
    request: web.Request,
    language: Language,
    *,
    message: str | None = None,
    notice: str | None = None,
    status: int = 200,
) -> web.Response:
    binding = request.cookies.get(PRE_SESSION_COOKIE) or secrets.token_urlsafe(16)
    csrf = request.app[SIGNER].login_form_token(binding)
    page = pages.login_page(_context(request, language, csrf, pages.BASE), message=message, notice=notice)
    response = _page_response(page, language, status=status)
    _set_cookie(response, PRE_SESSION_COOKIE, binding)
    return response


async def start_page(request: web.Request) -> web.Response:
    language = _language(request)
    if await _session(request) is not None:
        return _redirect(f"{pages.BASE}/me?lang={language}")
    message = text("session_expired", language) if "expired" in request.query else None
    notice = text("logged_out", language) if "logged_out" in request.query else None
    return _login_page(request, language, message=message, notice=notice)


def _refusal_message(error: DomainError, language: Language) -> tuple[str, int]:
    key, status = LOGIN_REFUSALS.get(error.code, ("login_failed", 401))
    if error.kind is ErrorKind.UNAVAILABLE:
        key, status = "registry_unavailable", 503
    return text(key, language, seconds=error.retry_after_seconds or 0), status


def _typing_error(card_number: str, pin: str) -> str | None:
    """The text key for a login that cannot be right as typed, checked before anything is asked: a malformed
    card number cannot name a card. A malformed PIN is *not* caught here: it counts against the card as a
    wrong PIN, as at every other door (otherwise which PINs are "malformed" here would be a free oracle)."""
    if not card_number or not pin:
        return "missing_fields"
    if not _CARD_NUMBER.fullmatch(card_number):
        return "card_format"
    return None


async def log_in(request: web.Request) -> web.Response:
    form = await form_fields(request)
    language = _language(request, form.get("lang"))
    signer = request.app[SIGNER]
    binding = request.cookies.get(PRE_SESSION_COOKIE)
    if not signer.login_form_valid(binding, form.get("csrf")):
        return _login_page(request, language, message=text("form_expired", language), status=400)
    # Patrons type local cards with a small "l" too; national numbers are digits either way.
    card_number = form.get("card_number", "").strip().upper()
    pin = form.get("pin", "")
    typing_error = _typing_error(card_number, pin)
    if typing_error is not None:
        return _login_page(request, language, message=text(typing_error, language), status=422)
    try:
        request.app[LIMITER].check(request.remote, request.app[CLOCK].now().timestamp())
        patron = await log_in_patron(request.app[PATRON_LOGINS], card_number, pin, door="online")
    except ValidationError:  # the registry client's own check of the card number; the regex should prevent it
        return _login_page(request, language, message=text("card_format", language), status=422)
    except DomainError as error:
        message, status = _refusal_message(error, language)
        response = _login_page(request, language, message=message, status=status)
        if error.retry_after_seconds:
            response.headers["Retry-After"] = str(error.retry_after_seconds)
        return response
    response = _redirect(f"{pages.BASE}/me?lang={language}")
    # A fresh session at every login, so a token planted before login is worth nothing after it.
    async with request.app[POOL].acquire() as conn:
        session = await signer.start(conn, patron.patron_id, request.app[CLOCK].now())
    _set_cookie(response, SESSION_COOKIE, signer.cookie(session))
    response.del_cookie(PRE_SESSION_COOKIE, path=COOKIE_PATH)
    return response


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


async def overview(request: web.Request) -> web.Response:
    language = _language(request)
    session = await _session(request)
    if session is None:
        return _expired(language)
    cancelled_id = _row_id(request.query.get("cancelled"))
    try:
        async with transaction(request) as conn:
            data = await service.overview(conn, session.patron_id)
            cancelled = None
            if cancelled_id is not None:
                cancelled = await service.own_reservation(conn, session.patron_id, cancelled_id)
    except DomainError as error:
        if error.code == "patron_not_found":  # removed (opted out, erased) while logged in
            return _expired(language)
        raise
    message, notice = _outcome(request, data, cancelled, language)
    ctx = _context(request, language, _session_csrf(request, session), f"{pages.BASE}/me")
    page = pages.overview_page(ctx, data, request.app[CLOCK].today(), message=message, notice=notice)
    return _page_response(page, language)


async def my_data(request: web.Request) -> web.Response:
    language = _language(request)
    session = await _session(request)
    if session is None:
        return _expired(language)
    try:
        async with transaction(request) as conn:
            data = await service.stored_data(conn, session.patron_id)
    except DomainError as error:
        if error.code == "patron_not_found":
            return _expired(language)
        raise
    ctx = _context(request, language, _session_csrf(request, session), f"{pages.BASE}/my-data")
    page = pages.my_data_page(ctx, data, registry_insight_url=request.app[REGISTRY_INSIGHT_URL])
    return _page_response(page, language)


async def _checked_form(request: web.Request) -> tuple[Session | None, Language, web.Response | None]:
    """The session and language of a form post, or the response that refuses it (expired session or form)."""
    form = await form_fields(request)
    language = _language(request, form.get("lang"))
    session = await _session(request)
    if session is None:
        return None, language, _expired(language)
    if not request.app[SIGNER].session_form_valid(session, form.get("csrf")):
        ctx = _context(request, language, _session_csrf(request, session), f"{pages.BASE}/me")
        page = pages.message_page(ctx, text("form_expired", language), logged_in=True)
        return session, language, _page_response(page, language, status=403)
    return session, language, None


PatronAction = Callable[[DbConnection, int, uuid.UUID], Awaitable[object]]


async def _act_on_own(
    request: web.Request, target: str, action: PatronAction, *, done: str, refused: str, known: Iterable[str]
) -> web.Response:
    """Run one of the patron's own actions on ``target`` (a loan or reservation) and go back to the overview.

    The outcome travels in the redirect's query (``done=<id>`` or ``refused=<code>``), so a reload repeats
    nothing; a refusal the page has no words for is shown as "not found".
    """
    session, language, refusal = await _checked_form(request)
    if refusal is not None or session is None:
        return refusal or _expired(language)
    target_id = int(request.match_info[target])
    try:
        async with transaction(request) as conn:
            await action(conn, target_id, session.patron_id)
    except DomainError as error:
        code = error.code if error.code in known else f"{target.removesuffix('_id')}_not_found"
        outcome = refused.format(code=code, id=target_id)
    else:
        outcome = done.format(id=target_id)
    return _redirect(f"{pages.BASE}/me?lang={language}&{outcome}")


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
    session, language, refusal = await _checked_form(request)
    if refusal is not None or session is None:
        return refusal or _expired(language)
    async with request.app[POOL].acquire() as conn:
        await request.app[SIGNER].end(conn, session)
    response = _redirect(f"{pages.BASE}?logged_out=1&lang={language}")
    response.del_cookie(SESSION_COOKIE, path=COOKIE_PATH)
    return response


async def stylesheet(request: web.Request) -> web.Response:
    response = web.Response(text=pages.STYLESHEET, content_type="text/css", charset="utf-8")
    response.headers.update(SECURITY_HEADERS)
    return response
