"""The registry's public site (HTTPS, no client certificate): the insight page, the privacy statement and the
library-service login (``registry.oidc``).

Login, sessions, CSRF and language are the shared site plumbing (``plumbing.web.site``); this module names the
insight site's cookies, headers and words, and its routes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from aiohttp import web

from plumbing.errors import DomainError, ErrorKind
from plumbing.http.problems import problem_middleware
from plumbing.ratelimit import LoginLimiter
from plumbing.web.language import Language
from plumbing.web.pages import INLINE_STYLE_HEADERS, security_headers_middleware
from plumbing.web.sessions import Session, SessionStore
from plumbing.web.site import LoginRefusals, Site, SiteCookies
from plumbing.web.times import DEFAULT_ZONE
from registry.app_keys import (
    INSIGHT_CONTROLLER,
    INSIGHT_CORE_PROVIDER,
    INSIGHT_LIBRARY_NAMES,
    INSIGHT_SITE,
    OIDC_PROVIDER,
    PAGE_TIME_ZONE,
)
from registry.insight import pages, views
from registry.insight.texts import text
from registry.oidc.provider import Provider
from registry.oidc.views import add_oidc_routes
from registry.patrons.core import RegistryCore
from registry_contract.online_login import CARD_AND_PIN_REFUSALS, MALFORMED_CARD_NUMBER, WRONG_CARD_OR_PIN

FORM_BODY_LIMIT = 8 * 1024
COOKIES = SiteCookies(session="natreg_insight", login="natreg_login", language="natreg_lang")
LOGIN_REFUSALS = LoginRefusals(
    by_code=CARD_AND_PIN_REFUSALS, otherwise=WRONG_CARD_OR_PIN, malformed=MALFORMED_CARD_NUMBER
)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _form_refused(request: web.Request, session: Session, language: Language) -> web.Response:
    raise DomainError(ErrorKind.FORBIDDEN, "csrf_token_invalid", text("form_expired", language))


def create_public_app(
    core_provider: Callable[[], RegistryCore], *, session_key: bytes, controller: str,
    oidc_provider: Provider, login_limiter: LoginLimiter | None = None,
    library_names: Callable[[str, str], str] = lambda library, _: library, zone: dt.tzinfo = DEFAULT_ZONE,
) -> web.Application:  # fmt: skip
    """``core_provider`` hands out the node API app's core: one pool and key ring for both sites.

    ``oidc_provider`` is the library-service login (``registry.oidc``), served on this site: its login page is a
    page of the registry's public site, under the same login limiter.

    ``library_names`` gives a library's display name in a language (the registry's library list); ``zone`` is
    the time zone the pages show times in (the registry's ``timezone`` setting).

    ``session_key`` is the insight site's own session key (``plumbing.web.sessions``); the login
    limiter is in this process's memory (``plumbing.ratelimit``).
    """
    app = web.Application(
        middlewares=[security_headers_middleware(INLINE_STYLE_HEADERS), problem_middleware],
        client_max_size=FORM_BODY_LIMIT,
    )

    def login_page(
        request: web.Request, language: Language, csrf: str, *, message: str | None, notice: str | None
    ) -> str:
        return pages.login_page(language, csrf, controller=controller, message=message, notice=notice)

    app[INSIGHT_CORE_PROVIDER] = core_provider
    app[INSIGHT_CONTROLLER] = controller
    app[INSIGHT_LIBRARY_NAMES] = library_names
    app[PAGE_TIME_ZONE] = zone
    app[INSIGHT_SITE] = Site(
        start_path="/", home_path="/me", cookies=COOKIES, security_headers=INLINE_STYLE_HEADERS,
        sessions=SessionStore(session_key), limiter=login_limiter or LoginLimiter(),
        pool=lambda: core_provider().pool, now=_now, text=text, login_page=login_page, refusals=LOGIN_REFUSALS,
        form_refused=_form_refused,
    )  # fmt: skip
    app.router.add_get("/", views.start_page)
    app.router.add_post("/login", views.log_in)
    app.router.add_get("/me", views.my_data)
    app.router.add_post("/me/reveal", views.reveal)
    app.router.add_get("/me/export.json", views.export_json)
    app.router.add_get("/me/deletion-request", views.confirm_deletion)
    app.router.add_post("/me/deletion-request", views.request_deletion)
    app.router.add_post("/me/services/withdraw", views.withdraw_service)
    app.router.add_post("/logout", views.log_out)
    app.router.add_get("/privacy", views.privacy)
    app[OIDC_PROVIDER] = oidc_provider
    add_oidc_routes(app)
    return app
