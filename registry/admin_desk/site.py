"""The administrators' desk as an application: its own listener (mutual TLS, an administrator's certificate
required), its middleware, its routes.

The listener's handshake admits only certificates from the private CA that are not revoked; the middleware
then admits only administrators' certificates (``registry.auth.administrators``), per request. There is no
password and no session: the certificate is the login, and every form carries a token bound to the
certificate's serial under the desk's own key (a page of another site cannot post to the desk with the
administrator's certificate). Refusals and errors are pages in the administrator's language.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo

from aiohttp import web

from plumbing.errors import DomainError, ErrorKind
from plumbing.http.client_certificates import peer_certificate_der
from plumbing.http.hsts import send_hsts
from plumbing.http.problems import STATUS_BY_KIND, Handler, problem_middleware
from plumbing.keys.layout import KeyLayout
from plumbing.web.language import Language
from plumbing.web.pages import INLINE_STYLE_HEADERS, security_headers_middleware
from plumbing.web.sessions import SessionStore
from plumbing.web.times import DEFAULT_ZONE
from registry.admin_desk import pages, views
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
from registry.auth.administrators import AdministratorDirectory
from registry.auth.libraries import LibraryDirectory
from registry.patrons.core import RegistryCore

FORM_BODY_LIMIT = 8 * 1024
# Domain refusals an administrator meets, in their words; anything else shows the domain's own message.
MESSAGE_BY_CODE = {
    "erasure_request_not_found": "not_found",
    "erasure_request_decided": "already_decided",
    "decision_note_too_long": "reason_too_long",
    "csrf_token_invalid": "form_expired",
}


@web.middleware
async def administrators_only(request: web.Request, handler: Handler) -> web.StreamResponse:
    language = views.language_of(request)
    try:
        request[ADMINISTRATOR] = request.app[ADMIN_DESK_ADMINISTRATORS].authenticate(peer_certificate_der(request))
    except DomainError as error:
        key = "refused_revoked" if error.code == "administrator_revoked" else "refused_not_admin"
        body = pages.message_page(language, None, text("refused_heading", language), text(key, language), back=False)
        return views.page(body, language, status=403)
    try:
        return await handler(request)
    except DomainError as error:
        language = await _posted_language(request, language)
        message = text(MESSAGE_BY_CODE[error.code], language) if error.code in MESSAGE_BY_CODE else error.message
        heading = text("error_heading", language)
        body = pages.message_page(language, request[ADMINISTRATOR].name, heading, message)
        status = STATUS_BY_KIND.get(error.kind, 400) if error.kind is not ErrorKind.UNAUTHENTICATED else 403
        return views.page(body, language, status=status)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        heading = text("error_heading", language)
        body = pages.message_page(language, request[ADMINISTRATOR].name, heading, error.reason)
        response = views.page(body, language, status=error.status)
        if "Allow" in error.headers:
            response.headers["Allow"] = error.headers["Allow"]
        return response


async def _posted_language(request: web.Request, otherwise: Language) -> Language:
    """A refused form answers in the form's language (aiohttp keeps the parsed body, so this reads nothing twice)."""
    if request.method != "POST" or request.content_type != "application/x-www-form-urlencoded":
        return otherwise
    try:
        posted = await request.post()
    except (ValueError, web.HTTPException):
        return otherwise
    return views.language_of(request, posted.get("lang"))


def create_admin_desk_app(
    core_provider: Callable[[], RegistryCore], *, layout: KeyLayout, libraries: LibraryDirectory, form_key: bytes,
    zone: tzinfo = DEFAULT_ZONE,
) -> web.Application:  # fmt: skip
    """``core_provider`` hands out the node API app's core (one pool and key ring); ``libraries`` is the node
    API's library list; ``form_key`` is the desk's own key for form tokens; ``zone`` the time zone of its times."""
    app = web.Application(
        middlewares=[security_headers_middleware(INLINE_STYLE_HEADERS), problem_middleware, administrators_only],
        client_max_size=FORM_BODY_LIMIT,
    )
    send_hsts(app)
    app[ADMIN_DESK_CORE_PROVIDER] = core_provider
    app[PAGE_TIME_ZONE] = zone
    app[ADMIN_DESK_ADMINISTRATORS] = AdministratorDirectory(layout, revoked_in_database=libraries.is_revoked)
    app[ADMIN_DESK_LIBRARIES] = libraries
    app[ADMIN_DESK_KEY_LAYOUT] = layout
    app[ADMIN_DESK_FORMS] = SessionStore(form_key)
    app.router.add_get("/", views.home)
    app.router.add_get("/requests", views.requests_list)
    app.router.add_get("/requests/{request_id}", views.request_show)
    app.router.add_post("/requests/{request_id}/decide", views.request_decide)
    app.router.add_get("/libraries", views.libraries)
    app.router.add_get("/audit", views.audit)
    app.router.add_post("/audit/verify", views.audit_verify)
    app.router.add_get("/keys", views.keys)
    return app
