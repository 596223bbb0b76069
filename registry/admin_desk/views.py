"""HTTP views of the administrators' desk. The administrator is the one the middleware found by certificate
(``site.py``); each view calls one domain function (``registry.erasure.admin``, ``registry.admin_desk.status``)
under that administrator's name, which audits it, and renders a page."""

from __future__ import annotations

import datetime as dt
import uuid

from aiohttp import web

from plumbing.errors import DomainError, ErrorKind
from plumbing.web.language import Language, choose_language
from plumbing.web.pages import form_fields, set_private_cookie
from registry.admin_desk import pages, status
from registry.admin_desk.texts import text
from registry.app_keys import (
    ADMIN_DESK_ADMINISTRATORS,
    ADMIN_DESK_CORE_PROVIDER,
    ADMIN_DESK_FORMS,
    ADMIN_DESK_KEY_LAYOUT,
    ADMIN_DESK_LIBRARIES,
    ADMINISTRATOR,
    PAGE_TIME_ZONE,
)
from registry.erasure import admin as erasure
from registry.patrons.core import Caller

LANGUAGE_COOKIE = "natreg_admin_lang"
DECISIONS = ("approve", "reject")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def language_of(request: web.Request, form_value: object = None) -> Language:
    return choose_language(request, LANGUAGE_COOKIE, form_value)


def page(body: str, language: Language, *, status: int = 200) -> web.Response:
    response = web.Response(text=body, content_type="text/html", charset="utf-8", status=status)
    set_private_cookie(response, LANGUAGE_COOKIE, language)
    return response


def redirect(location: str) -> web.Response:
    # Returned, not raised: every response of the desk goes through its middlewares (security headers).
    return web.Response(status=303, headers={"Location": location})


def _caller(request: web.Request) -> Caller:
    return erasure.administrator(request[ADMINISTRATOR].name)


def _admin_name(request: web.Request) -> str:
    return request[ADMINISTRATOR].name


def _form_token(request: web.Request) -> str:
    return request.app[ADMIN_DESK_FORMS].csrf_token(f"admin|{request[ADMINISTRATOR].certificate_serial}")


async def _checked_form(request: web.Request) -> tuple[dict[str, str], Language]:
    """The posted form, if it carries the token bound to this administrator's certificate."""
    form = await form_fields(request)
    language = language_of(request, form.get("lang"))
    binding = f"admin|{request[ADMINISTRATOR].certificate_serial}"
    if not request.app[ADMIN_DESK_FORMS].csrf_valid(binding, form.get("csrf")):
        raise DomainError(ErrorKind.FORBIDDEN, "csrf_token_invalid", "the form is stale or came from elsewhere")
    return form, language


def _library_names(request: web.Request) -> pages.LibraryNames:
    return request.app[ADMIN_DESK_LIBRARIES].display_name


def _request_id(request: web.Request) -> uuid.UUID:
    try:
        return uuid.UUID(request.match_info["request_id"])
    except ValueError:
        raise DomainError(ErrorKind.NOT_FOUND, "erasure_request_not_found", "no such request") from None


async def home(request: web.Request) -> web.Response:
    return redirect(f"/requests?lang={language_of(request)}")


async def requests_list(request: web.Request) -> web.Response:
    language = language_of(request)
    showing_all = request.query.get("status") == "all"
    core = request.app[ADMIN_DESK_CORE_PROVIDER]()
    summaries = await erasure.list_requests(core, _caller(request), None if showing_all else "pending")
    body = pages.requests_page(
        language, _admin_name(request), summaries, _library_names(request), _now(), showing_all=showing_all,
        zone=request.app[PAGE_TIME_ZONE],
    )  # fmt: skip
    return page(body, language)


async def _request_page(
    request: web.Request, language: Language, request_id: uuid.UUID, *, message: str | None = None,
    notice: str | None = None, reason: str = "", status_code: int = 200,
) -> web.Response:  # fmt: skip
    details = await erasure.show_request(request.app[ADMIN_DESK_CORE_PROVIDER](), _caller(request), request_id)
    body = pages.request_page(
        language, _admin_name(request), details, names=_library_names(request), csrf=_form_token(request), now=_now(),
        zone=request.app[PAGE_TIME_ZONE], message=message, notice=notice, reason=reason,
    )  # fmt: skip
    return page(body, language, status=status_code)


async def request_show(request: web.Request) -> web.Response:
    language = language_of(request)
    decided = request.query.get("decided")
    notice = text(f"decided_{decided}", language) if decided in ("approved", "rejected") else None
    return await _request_page(request, language, _request_id(request), notice=notice)


async def request_decide(request: web.Request) -> web.Response:
    """Approve or reject: first a confirmation page, then (with ``confirmed=yes``) the decision itself."""
    request_id = _request_id(request)
    form, language = await _checked_form(request)
    decision = form.get("decision", "")
    reason = form.get("reason", "").strip()
    if decision not in DECISIONS:
        raise DomainError(ErrorKind.INVALID, "decision_unknown", "the decision must be approve or reject")
    if not reason or len(reason) > erasure.MAX_NOTE_LENGTH:
        key = "reason_missing" if not reason else "reason_too_long"
        return await _request_page(
            request, language, request_id, message=text(key, language), reason=reason[: erasure.MAX_NOTE_LENGTH],
            status_code=422,
        )  # fmt: skip
    core = request.app[ADMIN_DESK_CORE_PROVIDER]()
    if form.get("confirmed") != "yes":
        details = await erasure.show_request(core, _caller(request), request_id)
        if details.request.status != "pending":
            raise DomainError(ErrorKind.CONFLICT, "erasure_request_decided", "the request is already decided")
        body = pages.confirm_page(
            language, _admin_name(request), details, _library_names(request), _form_token(request),
            decision=decision, reason=reason,
        )  # fmt: skip
        return page(body, language)
    decide = erasure.approve_request if decision == "approve" else erasure.reject_request
    decided = await decide(core, _caller(request), request_id, reason)
    return redirect(f"/requests/{request_id}?decided={decided.status}&lang={language}")


async def libraries(request: web.Request) -> web.Response:
    language = language_of(request)
    core = request.app[ADMIN_DESK_CORE_PROVIDER]()
    states = await status.libraries(core, _caller(request), request.app[ADMIN_DESK_LIBRARIES].entries())
    return page(
        pages.libraries_page(language, _admin_name(request), states, zone=request.app[PAGE_TIME_ZONE]), language
    )


async def audit(request: web.Request) -> web.Response:
    language = language_of(request)
    state = await status.audit_chain_state(request.app[ADMIN_DESK_CORE_PROVIDER](), _caller(request))
    return page(
        pages.audit_page(language, _admin_name(request), state, _form_token(request), zone=request.app[PAGE_TIME_ZONE]),
        language,
    )


async def audit_verify(request: web.Request) -> web.Response:
    _, language = await _checked_form(request)
    core = request.app[ADMIN_DESK_CORE_PROVIDER]()
    verdict = await status.verify_audit_chain(core, _caller(request))
    state = await status.audit_chain_state(core, _caller(request))
    body = pages.audit_page(
        language, _admin_name(request), state, _form_token(request), zone=request.app[PAGE_TIME_ZONE], verdict=verdict
    )
    return page(body, language)


async def keys(request: web.Request) -> web.Response:
    language = language_of(request)
    key_status = await status.key_status(
        request.app[ADMIN_DESK_CORE_PROVIDER](), _caller(request), request.app[ADMIN_DESK_KEY_LAYOUT],
        request.app[ADMIN_DESK_ADMINISTRATORS].entries(), _now(),
        libraries={entry.library_id: entry for entry in request.app[ADMIN_DESK_LIBRARIES].entries()},
    )  # fmt: skip
    return page(pages.keys_page(language, _admin_name(request), key_status, zone=request.app[PAGE_TIME_ZONE]), language)
