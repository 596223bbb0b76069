"""What other library nodes may ask this node about interlibrary requests, on the peer listener.

State changes are library endpoints (``federation.peer_server.library_endpoint``): each runs in the
transaction that records its answer under the caller's idempotency key, so a message sent again is answered
from the record and applied once. The catalogue search is a read and records nothing.
"""

from __future__ import annotations

from aiohttp import web

from local_library import app_keys
from local_library.federation.peer_server import (
    LibraryCall,
    LibraryHandler,
    PeerEndpoint,
    json_body,
    library_endpoint,
    node_app,
    peer_caller,
)
from local_library.federation.peer_server import PeerAnswer as RecordedAnswer
from local_library.policy import can_reserve
from plumbing.db.types import DbConnection
from plumbing.http.problems import parse_json_body

from .dispatch import RENEW_OPERATION, apply_peer_message
from .messages import OPERATIONS_TO_BORROWER, OPERATIONS_TO_OWNER, PeerMessage, RenewalAsk
from .network import CATALOGUE_PATH, PEER_PATH
from .search import CatalogueHits, CatalogueQuery, mark_reservable, search_own_catalogue


def _message_handler(operation: str) -> LibraryHandler:
    async def handle(request: web.Request, conn: DbConnection, call: LibraryCall) -> RecordedAnswer:
        node = node_app(request)
        body = call.parse(RenewalAsk) if operation == RENEW_OPERATION else call.parse(PeerMessage)
        answer = await apply_peer_message(
            conn, node[app_keys.POLICY], node[app_keys.CLOCK], caller_library=call.caller.library_id,
            operation=operation, body=body,
        )  # fmt: skip
        return RecordedAnswer(200, json_body(answer))

    return handle


async def search_catalogue(request: web.Request) -> web.Response:
    """Our copies for another library's patron; what we do not send away is shown as not available."""
    peer_caller(request)  # authenticated by the listener's middleware
    query = await parse_json_body(request, CatalogueQuery)
    node = node_app(request)
    policy = node[app_keys.POLICY]
    async with node[app_keys.POOL].acquire() as conn:
        hits = await search_own_catalogue(conn, query)
    reservable = mark_reservable(hits, lambda material: material in policy.materials and can_reserve(policy, material))
    return web.json_response(json_body(CatalogueHits(hits=reservable)))


INTERLIBRARY_PEER_ENDPOINTS: list[PeerEndpoint] = [
    *(
        library_endpoint(
            "POST", f"{PEER_PATH}/{operation}", f"interlibrary request: {operation}", _message_handler(operation)
        )
        for operation in (*OPERATIONS_TO_OWNER, *OPERATIONS_TO_BORROWER, RENEW_OPERATION)
    ),
    PeerEndpoint("POST", CATALOGUE_PATH, "search this library's copies for an interlibrary request", search_catalogue),
]
