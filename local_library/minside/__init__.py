"""The patron's "Min side" on the library node: loans, renewals, reservations, fees and the node's insight.

Server-rendered HTML in Norwegian bokmål and English that works without JavaScript, under ``/minside`` on
the node's HTTPS listener. Patrons log in with card number and PIN through ``registry_link.login`` (local
cards here, national cards at the registry); sessions are held in the node's database. Login, sessions, CSRF
and language are the shared site plumbing (``plumbing.web.site``); Min side has its own cookies, words and pages.
"""

from __future__ import annotations

from aiohttp import web

from local_library.app_keys import MINSIDE_REGISTRY_INSIGHT_URL, MINSIDE_SITE, SETTINGS

from . import everywhere, new_card, views
from .interlibrary_views import add_interlibrary_routes

__all__ = ["add_minside_routes"]


def add_minside_routes(app: web.Application) -> None:
    """Register Min side on a node app built by ``create_app`` (its settings must already be in place)."""
    app[MINSIDE_SITE] = views.minside_site(app)
    app[MINSIDE_REGISTRY_INSIGHT_URL] = app[SETTINGS].registry_insight_url
    app.router.add_get("/minside", views.start_page)
    app.router.add_get("/minside/", views.start_page)
    app.router.add_get("/minside/style.css", views.stylesheet)
    app.router.add_post("/minside/login", views.log_in)
    app.router.add_get("/minside/me", views.overview)
    # Row ids are bounded, so an absurd number is a 404 rather than an overflow in the database driver.
    app.router.add_post("/minside/loans/{loan_id:[0-9]{1,18}}/renew", views.renew_loan)
    app.router.add_post("/minside/reservations/{reservation_id:[0-9]{1,18}}/cancel", views.cancel_own_reservation)
    app.router.add_get("/minside/my-data", views.my_data)
    app.router.add_get("/minside/card", views.own_card)
    app.router.add_get("/minside/everywhere", everywhere.everywhere)
    app.router.add_post(
        "/minside/everywhere/{library_id:[a-z][a-z0-9-]{1,31}}/loans/{loan_id:[0-9]{1,18}}/renew",
        everywhere.renew_at_other_library,
    )
    app.router.add_post("/minside/choices", views.save_choices)
    app.router.add_post("/minside/logout", views.log_out)
    new_card.add_new_card_routes(app)
    add_interlibrary_routes(app)
