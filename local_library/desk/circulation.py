"""Scanner-first circulation at ``/staff/`` (being built)."""

from __future__ import annotations

from aiohttp import web

from .site import desk_page, desk_visit
from .texts import text


async def circulation_page(request: web.Request) -> web.Response:
    desk = await desk_visit(request)
    if isinstance(desk, web.Response):
        return desk
    body = f"<h1>{desk.ctx.t('nav_circulation')}</h1>"
    return desk_page(request, desk, text("nav_circulation", desk.language), body, section="circulation")


def add_circulation_routes(app: web.Application) -> None:
    app.router.add_get("/staff/", circulation_page)
