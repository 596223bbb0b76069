"""Every endpoint of the node's peer listener, in one table (see ``peer_server`` for how to add one)."""

from __future__ import annotations

from aiohttp import web

from local_library import app_keys
from local_library.federation.peer_server import PeerEndpoint, node_app, peer_caller
from local_library.interlibrary.views import INTERLIBRARY_PEER_ENDPOINTS


async def peer_whoami(request: web.Request) -> web.Response:
    """Which library answers, and which library it took the caller for: for checking two nodes' setup."""
    return web.json_response(
        {"library_id": node_app(request)[app_keys.SETTINGS].library_id, "caller": peer_caller(request).library_id}
    )


PEER_ENDPOINTS: list[PeerEndpoint] = [
    PeerEndpoint("GET", "/peer/v1/whoami", "this node's library and the caller's, as this node sees them", peer_whoami),
    *INTERLIBRARY_PEER_ENDPOINTS,
]
