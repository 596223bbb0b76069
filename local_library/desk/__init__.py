"""The library node's staff desk under ``/staff/``: server-rendered pages for library staff.

Staff log in with their staff account (``local_library.staff``; roles ``desk`` and ``admin``) and get a
server-held session (``staff_sessions``); login, sessions, CSRF and language are the shared site plumbing
(``plumbing.web.site``). The pages: circulation (scanner first, :mod:`.circulation`), patrons
(:mod:`.patrons`), the registry link's status (:mod:`.registry`), and a present patron's loans at every
library (:mod:`.everywhere`). Every action goes through the same
domain functions as the staff JSON API: one domain path, two doors.
"""

from __future__ import annotations

from aiohttp import web

from local_library.app_keys import DESK_SITE

from . import circulation, interlibrary, registry, site
from .everywhere import add_everywhere_routes
from .patrons import add_patron_routes

__all__ = ["add_desk_routes"]


def add_desk_routes(app: web.Application) -> None:
    """Register the desk on a node app built by ``create_app`` (its settings and limiter already in place)."""
    app[DESK_SITE] = site.desk_site(app)
    app.router.add_get("/staff", site.login_page)
    app.router.add_get("/staff/login", site.login_page)
    app.router.add_post("/staff/login", site.log_in)
    app.router.add_post("/staff/logout", site.log_out)
    app.router.add_get("/staff/style.css", site.stylesheet)
    circulation.add_circulation_routes(app)
    add_patron_routes(app)
    registry.add_registry_routes(app)
    interlibrary.add_interlibrary_routes(app)
    add_everywhere_routes(app)
