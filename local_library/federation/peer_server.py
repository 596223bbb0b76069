"""The peer listener: what other library nodes may ask this node, over mutual TLS with their library certificates.

Every request must come with a client certificate from the private CA (checked against the CRL in the handshake),
whose library the registry's directory lists as active with that certificate (``peer_authentication``). What
the caller may then do is declared per endpoint in ``local_library.federation.peer_routes.PEER_ENDPOINTS``, one
of two kinds:

- ``library_endpoint``: a library-to-library state change (an interlibrary request moving on, say). It needs an
  ``Idempotency-Key`` header; the handler runs inside a transaction in which its answer is recorded, so a
  retry with the same key (after a lost answer, a restart, an outbox redelivery) is answered from the record
  and the change happens once. A reused key with another method, path or body is refused.
- ``patron_endpoint``: a read or act for one patron on the patron's authority: the caller presents a signed
  statement from the registry (``Authorization: Statement <token>``), verified for this audience, the scope
  the endpoint declares and the calling library (see ``local_library.federation.statements``).

How to add a peer endpoint:
1. Write the handler in your domain's folder. A library handler is
   ``async def handler(request, connection, call: LibraryCall) -> PeerAnswer`` (``connection`` is in the
   transaction that records the answer: do the state change on it; parse the body with ``call.parse(Model)``;
   raise ``DomainError`` to refuse: nothing is recorded then). A patron handler is
   ``async def handler(request, call: PatronCall) -> web.StreamResponse`` and must answer only for
   ``call.statement.patron_id``.
2. Add ``library_endpoint("POST", "/peer/v1/...", "summary", handler)`` (or ``patron_endpoint(..., scope=...)``)
   to ``PEER_ENDPOINTS`` in ``peer_routes.py``.
3. Call it from the other node with ``PeerClient.call_library`` / ``PeerClient.call_for_patron``.
Handlers read node resources through ``node_app(request)`` (the node's main application: pool, policy, clock).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from local_library import app_keys
from local_library.federation import queries
from local_library.federation.callers import PeerCaller
from local_library.federation.peer_client import STATEMENT_SCHEME
from local_library.federation.statements import VerifiedStatement
from plumbing.db.types import DbConnection
from plumbing.errors import DomainError, ErrorKind
from plumbing.http.bodies import within_read_timeout
from plumbing.http.client_certificates import certificate_identity, peer_certificate_der
from plumbing.http.problems import Handler, problem_middleware
from registry_contract.idempotency import check_key, key_reused
from registry_contract.refusals import patron_not_found
from registry_contract.statements import StatementScope

ModelT = TypeVar("ModelT", bound=BaseModel)
PEER_PATH_PREFIX = "/peer/v1/"


@dataclass(frozen=True)
class PeerAnswer:
    """What a library endpoint answers (recorded with its idempotency key, and replayed for a retry)."""

    status: int
    body: Any = field(default_factory=dict)


@dataclass(frozen=True)
class LibraryCall:
    caller: PeerCaller
    idempotency_key: str
    raw_body: bytes
    match_info: dict[str, str]

    def parse(self, model: type[ModelT]) -> ModelT:
        try:
            return model.model_validate_json(self.raw_body or b"{}")
        except ValidationError:
            raise DomainError(ErrorKind.INVALID, "validation_failed", "the request body is not valid") from None


LibraryHandler = Callable[[web.Request, DbConnection, LibraryCall], Awaitable[PeerAnswer]]


@dataclass(frozen=True)
class PatronCall:
    """A call on a patron's authority: the statement checked, and the one patron of this node it concerns."""

    caller: PeerCaller
    statement: VerifiedStatement
    patron_id: uuid.UUID
    """This node's own id of the patron (the statement names the registry's)."""


PatronHandler = Callable[[web.Request, PatronCall], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class PeerEndpoint:
    method: str
    path: str
    summary: str
    view: Handler


def node_app(request: web.Request) -> web.Application:
    """The node's main application, whose resources (pool, policy, clock, …) peer handlers use."""
    return request.app[app_keys.PEER_NODE_APP]


def peer_caller(request: web.Request) -> PeerCaller:
    return request[app_keys.PEER_CALLER]


def library_endpoint(method: str, path: str, summary: str, handler: LibraryHandler) -> PeerEndpoint:
    """A library-to-library state change, exactly once per idempotency key (see the module's docstring)."""

    async def view(request: web.Request) -> web.StreamResponse:
        caller = peer_caller(request)
        key = check_key(request.headers.get("Idempotency-Key"))
        raw_body = await within_read_timeout(request, request.read())
        fingerprint = hashlib.sha256(b"\x00".join([request.method.encode(), request.path.encode(), raw_body])).digest()
        call = LibraryCall(caller, key, raw_body, dict(request.match_info))
        async with node_app(request)[app_keys.POOL].acquire() as connection, connection.transaction():
            await queries.lock_idempotency_key(connection, caller.library_id, key)
            recorded = await queries.recorded_answer(connection, caller.library_id, key)
            if recorded is not None:
                if recorded.request_fingerprint != fingerprint:
                    raise key_reused()
                return web.json_response(recorded.body, status=recorded.status, headers={"Idempotent-Replay": "true"})
            answer = await handler(request, connection, call)
            await queries.record_answer(
                connection, caller.library_id, key, fingerprint, status=answer.status, body=answer.body
            )
        return web.json_response(answer.body, status=answer.status)

    return PeerEndpoint(method, path, summary, view)


def patron_endpoint(
    method: str, path: str, summary: str, scope: StatementScope, handler: PatronHandler
) -> PeerEndpoint:
    """A read or act for one patron, on the signed statement the caller presents (see the module's docstring).

    The statement must be the registry's, for this library, issued to the caller, unexpired and with ``scope``;
    the patron must be linked here. Every admitted call is logged (``peer_patron_accesses``) before it runs.
    """

    async def view(request: web.Request) -> web.StreamResponse:
        caller = peer_caller(request)
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme != STATEMENT_SCHEME or not token.strip():
            raise DomainError(
                ErrorKind.UNAUTHENTICATED, "statement_required", "this call needs the patron's signed statement"
            )
        node = node_app(request)
        statement = await node[app_keys.PEER_STATEMENTS].verify(
            token.strip(), caller_library=caller.library_id, scope=scope
        )
        async with node[app_keys.POOL].acquire() as connection, connection.transaction():
            patron_id = await queries.national_patron_id(connection, statement.patron_id)
            if patron_id is None:
                raise patron_not_found()
            await queries.record_patron_access(connection, caller.library_id, patron_id, scope, statement.statement_id)
        return await handler(request, PatronCall(caller, statement, patron_id))

    return PeerEndpoint(method, path, summary, view)


def _refused(code: str, message: str) -> DomainError:
    return DomainError(ErrorKind.FORBIDDEN, code, message)


@web.middleware
async def peer_authentication(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Admit a current library's node: certificate from our CA (the handshake) and active in the directory."""
    der = peer_certificate_der(request)
    if der is None:
        raise _refused("client_certificate_required", "a library's client certificate is required")
    library_id, serial = certificate_identity(der)
    directory = node_app(request)[app_keys.PEER_DIRECTORY]
    entry = await directory.entry(library_id)
    if entry is not None and not entry.active:
        raise _refused("library_revoked", "this library's access has been revoked")
    if not await directory.is_current_caller(library_id, serial):
        raise _refused("certificate_not_current", "this certificate is not a current library's")
    request[app_keys.PEER_CALLER] = PeerCaller(library_id=library_id, certificate_serial=serial)
    return await handler(request)


def create_peer_app(node: web.Application, endpoints: list[PeerEndpoint]) -> web.Application:
    """The application on the node's peer listener; it borrows the node app's resources."""
    app = web.Application(middlewares=[problem_middleware, peer_authentication], client_max_size=256 * 1024)
    app[app_keys.PEER_NODE_APP] = node
    for endpoint in endpoints:
        if not endpoint.path.startswith(PEER_PATH_PREFIX):
            raise ValueError(f"peer endpoint {endpoint.path!r} must start with {PEER_PATH_PREFIX}")
        app.router.add_route(endpoint.method, endpoint.path, endpoint.view)
    return app


def json_body(value: BaseModel) -> Any:
    """A pydantic answer as the JSON value a ``PeerAnswer`` records."""
    return json.loads(value.model_dump_json())
