"""The registry's public site (HTTPS, no client certificate): the insight page and the privacy statement."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from plumbing.http.problems import problem_middleware
from plumbing.ratelimit import LoginLimiter
from plumbing.web.sessions import SessionStore
from registry.insight import views
from registry.patrons.core import RegistryCore

FORM_BODY_LIMIT = 8 * 1024


def create_public_app(
    core_provider: Callable[[], RegistryCore], *, session_key: bytes, controller: str,
    login_limiter: LoginLimiter | None = None,
) -> web.Application:  # fmt: skip
    """``core_provider`` hands out the node API app's core: one pool and key ring for both sites.

    ``session_key`` is the insight site's own session key (``plumbing.web.sessions``); the login
    limiter is in this process's memory (``plumbing.ratelimit``).
    """
    app = web.Application(middlewares=[views.add_security_headers, problem_middleware], client_max_size=FORM_BODY_LIMIT)
    app[views.CORE_PROVIDER] = core_provider
    app[views.SIGNER] = SessionStore(session_key)
    app[views.LIMITER] = login_limiter or LoginLimiter()
    app[views.CONTROLLER] = controller
    app.router.add_get("/", views.start_page)
    app.router.add_post("/login", views.log_in)
    app.router.add_get("/me", views.my_data)
    app.router.add_post("/me/reveal", views.reveal)
    app.router.add_get("/me/export.json", views.export_json)
    app.router.add_post("/me/deletion-request", views.request_deletion)
    app.router.add_post("/logout", views.log_out)
    app.router.add_get("/privacy", views.privacy)
    return app
