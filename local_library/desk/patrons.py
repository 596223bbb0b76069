"""The desk's patron pages under ``/staff/patrons``: find, register, link, correct, … (being built).

Views use :func:`local_library.desk.site.desk_visit` / ``desk_post`` and answer with ``desk_page`` (section
``"patrons"``) or ``desk_redirect``; domain work goes through the same functions as the staff JSON API.
"""

from __future__ import annotations

from aiohttp import web

from .site import desk_page, desk_visit
from .texts import text


async def patrons_page(request: web.Request) -> web.Response:
    desk = await desk_visit(request)
    if isinstance(desk, web.Response):
        return desk
    body = f"<h1>{desk.ctx.t('patrons_heading')}</h1>"
    return desk_page(request, desk, text("patrons_heading", desk.language), body, section="patrons")


def add_patron_routes(app: web.Application) -> None:
    app.router.add_get("/staff/patrons", patrons_page)
