"""Request authentication for the registry's listeners.

One application serves two listeners: the mutual-TLS node API and a plain HTTP listener for health
checks. A request that did not arrive over TLS may reach ``/health`` and nothing else.
"""

from __future__ import annotations

import ssl

from aiohttp import web

from plumbing.errors import DomainError, ErrorKind
from plumbing.http.problems import Handler
from registry.app_keys import CALLER, LAST_SEEN, LIBRARY_DIRECTORY, POOL

# /crl: the CRL is public by design; relying parties fetch it from the URL in every certificate.
UNAUTHENTICATED_PATHS = frozenset({"/health", "/openapi.json", "/crl"})


def peer_certificate_der(request: web.Request) -> bytes | None:
    transport = request.transport
    ssl_object = transport.get_extra_info("ssl_object") if transport is not None else None
    if not isinstance(ssl_object, ssl.SSLObject | ssl.SSLSocket):
        return None
    return ssl_object.getpeercert(binary_form=True)


def arrived_over_tls(request: web.Request) -> bool:
    transport = request.transport
    return transport is not None and transport.get_extra_info("ssl_object") is not None


@web.middleware
async def authentication_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path in UNAUTHENTICATED_PATHS:
        return await handler(request)
    if not arrived_over_tls(request):
        raise DomainError(ErrorKind.NOT_FOUND, "not_found", "this listener serves only /health and /openapi.json")
    directory = request.app[LIBRARY_DIRECTORY]
    caller = await directory.authenticate_current(
        request.app[POOL], peer_certificate_der(request), request.headers.get("Authorization")
    )
    request[CALLER] = caller
    request.app[LAST_SEEN].seen(caller.library_id)
    return await handler(request)
