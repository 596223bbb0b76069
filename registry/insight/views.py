"""HTTP views of the insight site. Forms post back with a CSRF token; sessions are rows in the registry's
database (``plumbing.web.sessions``), so logging out ends them. Logins are limited per source address and
overall (``plumbing.ratelimit``) before any PIN work."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Callable

from aiohttp import web
from pydantic import ValidationError

from plumbing.errors import DomainError, ErrorKind
from plumbing.http.problems import Handler
from plumbing.ratelimit import LoginLimiter
from plumbing.web.pages import form_fields, security_headers, set_private_cookie
from plumbing.web.sessions import PRE_SESSION_COOKIE, SESSION_COOKIE, Session, SessionStore
from registry.insight import pages
from registry.insight import service as insight
from registry.insight.texts import LANGUAGES, Language, text
from registry.patrons.core import RegistryCore

CORE_PROVIDER: web.AppKey[Callable[[], RegistryCore]] = web.AppKey("core_provider")
SIGNER = web.AppKey("signer", SessionStore)
LIMITER = web.AppKey("login_limiter", LoginLimiter)
CONTROLLER = web.AppKey("controller", str)
LANGUAGE_COOKIE = "natreg_lang"
# The pages carry their (static) stylesheet inline; no scripts run anywhere.
SECURITY_HEADERS = security_headers(
    "default-src 'self'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
)


@web.middleware
async def add_security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    response.headers.update(SECURITY_HEADERS)
    return response


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _language(request: web.Request, form_value: object = None) -> Language:
    for candidate in (form_value, request.query.get("lang"), request.cookies.get(LANGUAGE_COOKIE)):
        for language in LANGUAGES:
            if candidate == language:
                return language
    return "en" if request.headers.get("Accept-Language", "").lower().startswith("en") else "nb"


def _set_cookie(response: web.StreamResponse, name: str, value: str) -> None:
    set_private_cookie(response, name, value)


def _html(request: web.Request, body: str, language: Language, *, status: int = 200) -> web.Response:
    response = web.Response(text=body, content_type="text/html", charset="utf-8", status=status)
    _set_cookie(response, LANGUAGE_COOKIE, language)
    return response


async def _session(request: web.Request) -> Session | None:
    async with request.app[CORE_PROVIDER]().pool.acquire() as connection:
        return await request.app[SIGNER].resume(connection, request.cookies.get(SESSION_COOKIE), _now())


async def _require_session(request: web.Request) -> Session:
    session = await _session(request)
    if session is None:
        response = web.HTTPSeeOther(f"/?expired=1&lang={_language(request)}")
        response.del_cookie(SESSION_COOKIE, path="/")
        raise response
    return session


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
    page = pages.login_page(language, csrf, controller=request.app[CONTROLLER], message=message, notice=notice)
    response = _html(request, page, language, status=status)
    _set_cookie(response, PRE_SESSION_COOKIE, binding)
    return response


async def start_page(request: web.Request) -> web.Response:
    language = _language(request)
    if await _session(request) is not None:
        raise web.HTTPSeeOther(f"/me?lang={language}")
    message = text("session_expired", language) if "expired" in request.query else None
    notice = text("logged_out", language) if "logged_out" in request.query else None
    return _login_page(request, language, message=message, notice=notice)


LOGIN_REFUSALS = {
    "pin_invalid": ("wrong_pin", 401),
    "patron_not_found": ("wrong_pin", 401),
    "card_number_checksum": ("wrong_pin", 401),
    "card_number_format": ("card_format", 422),
    "pin_attempts_throttled": ("throttled", 429),
    "login_rate_limited": ("too_many_attempts", 429),
    "pin_locked": ("locked", 423),
    "card_replaced": ("card_replaced", 410),
    "pin_not_set": ("no_pin", 403),
}


def _refusal(error: DomainError, language: Language) -> tuple[str, int]:
    key, status = LOGIN_REFUSALS.get(error.code, ("wrong_pin", 401))
    return text(key, language, seconds=error.retry_after_seconds or 0), status


def _with_retry_after(response: web.Response, error: DomainError) -> web.Response:
    if error.retry_after_seconds:
        response.headers["Retry-After"] = str(error.retry_after_seconds)
    return response


async def log_in(request: web.Request) -> web.Response:
    form = await form_fields(request)
    language = _language(request, form.get("lang"))
    signer = request.app[SIGNER]
    if not signer.login_form_valid(request.cookies.get(PRE_SESSION_COOKIE), form.get("csrf")):
        return _login_page(request, language, message=text("form_expired", language), status=400)
    core = request.app[CORE_PROVIDER]()
    try:
        request.app[LIMITER].check(request.remote, _now().timestamp())
        patron_id = await insight.log_in(core, form.get("card_number", "").strip(), form.get("pin", ""))
    except ValidationError:
        return _login_page(request, language, message=text("card_format", language), status=422)
    except DomainError as error:
        message, status = _refusal(error, language)
        return _with_retry_after(_login_page(request, language, message=message, status=status), error)
    async with core.pool.acquire() as connection:
        session = await signer.start(connection, patron_id, _now())
    response = web.HTTPSeeOther(f"/me?lang={language}")
    _set_cookie(response, SESSION_COOKIE, signer.cookie(session))
    response.del_cookie(PRE_SESSION_COOKIE, path="/")
    raise response


async def _page_for(
    request: web.Request, session: Session, language: Language, *, reveal: bool, message: str | None = None,
    status: int = 200,
) -> web.Response:  # fmt: skip
    try:
        data = await insight.view(request.app[CORE_PROVIDER](), session.patron_id, reveal=reveal)
    except DomainError as error:
        if error.kind is ErrorKind.NOT_FOUND:  # erased while logged in
            raise web.HTTPSeeOther(f"/?expired=1&lang={language}") from None
        raise
    csrf = request.app[SIGNER].session_form_token(session)
    notice = text("deletion_filed", language) if "filed" in request.query else None
    page = pages.insight_page(language, data, csrf, controller=request.app[CONTROLLER], notice=notice, message=message)
    return _html(request, page, language, status=status)


async def my_data(request: web.Request) -> web.Response:
    return await _page_for(request, await _require_session(request), _language(request), reveal=False)


async def _checked_form(request: web.Request) -> tuple[Session, dict[str, str], Language]:
    session = await _require_session(request)
    form = await form_fields(request)
    language = _language(request, form.get("lang"))
    if not request.app[SIGNER].session_form_valid(session, form.get("csrf")):
        raise DomainError(ErrorKind.FORBIDDEN, "csrf_token_invalid", text("form_expired", language))
    return session, form, language


async def reveal(request: web.Request) -> web.Response:
    """The full national ID, only after the PIN is given again (counted like a login attempt)."""
    session, form, language = await _checked_form(request)
    try:
        request.app[LIMITER].check(request.remote, _now().timestamp())
        await insight.confirm_pin(request.app[CORE_PROVIDER](), session.patron_id, form.get("pin", ""))
    except DomainError as error:
        if error.kind is ErrorKind.NOT_FOUND:
            raise
        message, status = _refusal(error, language)
        page = await _page_for(request, session, language, reveal=False, message=message, status=status)
        return _with_retry_after(page, error)
    return await _page_for(request, session, language, reveal=True)


async def export_json(request: web.Request) -> web.Response:
    session = await _require_session(request)
    document = await insight.export(request.app[CORE_PROVIDER](), session.patron_id)
    return web.Response(
        text=json.dumps(document, ensure_ascii=False, indent=2),
        content_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="natreg-my-data.json"'},
    )


async def request_deletion(request: web.Request) -> web.Response:
    session, _, language = await _checked_form(request)
    await insight.request_deletion(request.app[CORE_PROVIDER](), session.patron_id)
    raise web.HTTPSeeOther(f"/me?filed=1&lang={language}")


async def log_out(request: web.Request) -> web.Response:
    session, _, language = await _checked_form(request)
    async with request.app[CORE_PROVIDER]().pool.acquire() as connection:
        await request.app[SIGNER].end(connection, session)
    response = web.HTTPSeeOther(f"/?logged_out=1&lang={language}")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


async def privacy(request: web.Request) -> web.Response:
    language = _language(request)
    return _html(request, pages.privacy_page(language, controller=request.app[CONTROLLER]), language)
