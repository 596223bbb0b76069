"""The registry link's status at ``/staff/registry`` (being built)."""

from __future__ import annotations

from aiohttp import web

from .site import desk_page, desk_visit
from .texts import text


async def registry_page(request: web.Request) -> web.Response:
    desk = await desk_visit(request)
    if isinstance(desk, web.Response):
        return desk
    body = f"<h1>{desk.ctx.t('nav_registry')}</h1>"
    return desk_page(request, desk, text("nav_registry", desk.language), body, section="registry")


def add_registry_routes(app: web.Application) -> None:
    app.router.add_get("/staff/registry", registry_page)
