"""The runner and site every listener of both services uses: the boundary below the middlewares.

aiohttp answers some requests before any middleware runs: a request line or header over its limits, bytes
that are not HTTP, an exception that escapes every middleware. Its own answer is ``text/plain``, echoes the
parser's message (which quotes the offending input, a card number in a path for instance) and logs it;
every response carries ``Server: Python/3.x aiohttp/3.x``; and a client may take an hour to send its
headers. Here, for every listener:

- protocol-level refusals are problem+json (``bad_request``, ``internal_error``) and echo nothing;
- no response names the server software (neither the app's responses nor the protocol-level ones);
- a connection that stays silent, trickles its headers, or idles between requests is closed after
  ``read_timeout_seconds``, a TLS handshake must finish within it, and a body must arrive within it (408).

aiohttp has no public hook for its protocol-level answer (aio-libs/aiohttp#3287), so ``handle_error`` of
its ``RequestHandler`` is overridden, and the ``Server`` the runner builds hands out that handler.
"""

from __future__ import annotations

import asyncio
import json
import logging
from ssl import SSLContext
from typing import Any

from aiohttp import hdrs, web
from aiohttp.web_protocol import RequestHandler

from plumbing.http.bodies import BODY_READ_TIMEOUT
from plumbing.http.error_log import describe_without_values
from plumbing.http.problems import CODE_BY_HTTP_STATUS, PROBLEM_CONTENT_TYPE

logger = logging.getLogger(__name__)

DEFAULT_READ_TIMEOUT_SECONDS = 30.0
"""Longer than aiohttp's client keep-alive (15 s), so a node never reuses a connection the server just closed."""


async def _drop_server_banner(_: web.Request, response: web.StreamResponse) -> None:
    # on_response_prepare runs after aiohttp set its default headers and before they are written.
    response.headers.popall(hdrs.SERVER, None)


class _BannerlessResponse(web.Response):
    """For protocol-level answers, which no app's ``on_response_prepare`` sees."""

    async def _prepare_headers(self) -> None:
        await super()._prepare_headers()
        self.headers.popall(hdrs.SERVER, None)


def _protocol_problem(status: int) -> web.Response:
    code = "internal_error" if status >= 500 else CODE_BY_HTTP_STATUS.get(status, f"http_{status}")
    title = "internal error" if status >= 500 else "the request could not be read"
    body = {"type": f"urn:natreg:problem:{code}", "title": title, "status": status, "code": code}
    return _BannerlessResponse(status=status, text=json.dumps(body), content_type=PROBLEM_CONTENT_TYPE)


class _BoundaryRequestHandler(RequestHandler):
    def handle_error(
        self,
        request: web.BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        # ``message`` and the exception's text quote the input: neither is logged nor sent back.
        if status >= 500 and exc is not None:
            logger.error("unhandled error below the middlewares: %s", describe_without_values(exc))
        else:
            logger.info("refused a request that could not be read (%s)", type(exc).__name__ if exc else status)
        if request.writer.output_size > 0:
            raise ConnectionError("a response was already being sent; the connection is dropped")
        response = _protocol_problem(status)
        response.force_close()
        return response


class _BoundaryServer(web.Server):
    def __call__(self) -> RequestHandler:
        return _BoundaryRequestHandler(self, loop=self._loop, **self._kwargs)


class ListenerRunner(web.AppRunner):
    """``web.AppRunner`` for our listeners; no access log (paths carry card numbers)."""

    def __init__(self, app: web.Application, *, read_timeout_seconds: float = DEFAULT_READ_TIMEOUT_SECONDS) -> None:
        app.on_response_prepare.append(_drop_server_banner)
        app[BODY_READ_TIMEOUT] = read_timeout_seconds
        # aiohttp arms the keep-alive timer when a connection opens and only re-arms it after a response, so
        # it bounds the time to the end of the first request's headers as well as idle time between requests.
        super().__init__(app, access_log=None, keepalive_timeout=read_timeout_seconds)
        self.read_timeout_seconds = read_timeout_seconds

    async def _make_server(self) -> web.Server:
        app_server = await super()._make_server()  # starts the app (on_startup, cleanup_ctx) and freezes it
        return _BoundaryServer(
            app_server.request_handler,
            request_factory=app_server.request_factory,
            handler_cancellation=app_server.handler_cancellation,
            **self._kwargs,
        )


class ListenerSite(web.BaseSite):
    """A TCP listener (TLS if given a context) whose TLS handshake must finish within the read timeout."""

    def __init__(
        self,
        runner: ListenerRunner,
        host: str,
        port: int,
        *,
        ssl_context: SSLContext | None = None,
        reuse_port: bool = False,
    ) -> None:
        super().__init__(runner, ssl_context=ssl_context)
        self._host = host
        self._port = port
        # Several worker processes bind the same port; the kernel spreads new connections over them.
        self._reuse_port = reuse_port
        self._handshake_timeout = runner.read_timeout_seconds

    @property
    def name(self) -> str:
        return f"{'https' if self._ssl_context else 'http'}://{self._host}:{self._port}"

    async def start(self) -> None:
        await super().start()
        server: Any = self._runner.server
        self._server = await asyncio.get_running_loop().create_server(
            server,
            self._host,
            self._port,
            ssl=self._ssl_context,
            backlog=self._backlog,
            ssl_handshake_timeout=self._handshake_timeout if self._ssl_context else None,
            reuse_port=self._reuse_port or None,
        )
