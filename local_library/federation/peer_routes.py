"""Every endpoint of the node's peer listener, in one table (see ``peer_server`` for how to add one)."""

from __future__ import annotations

from aiohttp import web

from local_library import app_keys
from local_library.federation.account import account_for_peer, renew_for_peer
from local_library.federation.peer_server import (
    PatronCall,
    PeerEndpoint,
    node_app,
    patron_endpoint,
    peer_caller,
)
from local_library.interlibrary.views import INTERLIBRARY_PEER_ENDPOINTS
from local_library.web import path_int


async def peer_whoami(request: web.Request) -> web.Response:
    """Which library answers, and which library it took the caller for: for checking two nodes' setup."""
    return web.json_response(
        {"library_id": node_app(request)[app_keys.SETTINGS].library_id, "caller": peer_caller(request).library_id}
    )


async def patron_account(request: web.Request, call: PatronCall) -> web.Response:
    node = node_app(request)
    async with node[app_keys.POOL].acquire() as connection, connection.transaction():
        account = await account_for_peer(connection, node[app_keys.POLICY], call.patron_id)
    return web.Response(text=account.model_dump_json(), content_type="application/json")


async def renew_patron_loan(request: web.Request, call: PatronCall) -> web.Response:
    loan_id = path_int(request, "loan_id")
    node = node_app(request)
    async with node[app_keys.POOL].acquire() as connection, connection.transaction():
        loan = await renew_for_peer(connection, node[app_keys.POLICY], node[app_keys.CLOCK], call.patron_id, loan_id)
    return web.Response(text=loan.model_dump_json(), content_type="application/json")


PEER_ENDPOINTS: list[PeerEndpoint] = [
    PeerEndpoint("GET", "/peer/v1/whoami", "this node's library and the caller's, as this node sees them", peer_whoami),
    patron_endpoint(
        "GET", "/peer/v1/patron/account", "the patron's open loans, holds and fees here", "loans:read", patron_account
    ),
    patron_endpoint(
        "POST", "/peer/v1/patron/loans/{loan_id}/renew", "renew one of the patron's loans under this library's rules",
        "loans:renew", renew_patron_loan,
    ),
    *INTERLIBRARY_PEER_ENDPOINTS,
]  # fmt: skip
