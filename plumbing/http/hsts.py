"""HTTP Strict Transport Security for the sites people open in a browser (insight, Min side, the node).

Sent on every response, errors included (a signal, not a middleware, so no handler path can skip it): once
a browser has seen it, it never talks plain HTTP to the site again for a year.
"""

from __future__ import annotations

from aiohttp import web

HSTS_HEADER = "Strict-Transport-Security"
HSTS_VALUE = "max-age=31536000"


async def _add_hsts(request: web.Request, response: web.StreamResponse) -> None:
    response.headers[HSTS_HEADER] = HSTS_VALUE


def send_hsts(app: web.Application) -> None:
    """Make ``app`` (served only over HTTPS) send ``Strict-Transport-Security`` on every response."""
    app.on_response_prepare.append(_add_hsts)
