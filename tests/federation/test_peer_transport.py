"""Nodes call each other directly over mutual TLS with their library certificates.

The called node admits only a current library of the directory; a state change with an idempotency key happens
once however often it is delivered; a peer that is down, slow or failing is reported as such, never hangs.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from pydantic import BaseModel

from local_library import app_keys
from local_library.federation.peer_client import PeerClient, PeerRefusedError, PeerUnavailableError
from local_library.federation.peer_server import (
    LibraryCall,
    PeerAnswer,
    PeerEndpoint,
    create_peer_app,
    library_endpoint,
    node_app,
)
from plumbing.db.types import DbConnection
from plumbing.errors import DomainError, ErrorKind
from plumbing.http.listeners import ListenerRunner, ListenerSite
from plumbing.http.sites import start_site
from plumbing.keys.layout import KeyLayout
from plumbing.keys.pki import add_administrator, load_administrator_entries
from plumbing.tls import library_client_context, library_peer_server_context
from registry.app import RunningRegistry
from tests.federation.conftest import ProfileSetter, oslo_policy
from tests.national.conftest import Node, NodeFactory, registry, start_node  # noqa: F401 - fixtures


class Shipment(BaseModel):
    number: int
    refuse: bool = False
    crash: bool = False


class Received(BaseModel):
    number: int
    by: str
    caller: str


class WhoAmI(BaseModel):
    library_id: str
    caller: str


async def test_a_node_calls_another_with_its_library_certificate(
    registry: RunningRegistry,  # noqa: F811
    start_node: NodeFactory,  # noqa: F811
    set_federation_profile: ProfileSetter,
) -> None:
    asker = await start_node("asker", registry.api_url)
    sandnes = await start_node("sandnes", registry.api_url)
    assert sandnes.library.peer_url is not None
    await set_federation_profile("sandnes", sandnes.library.peer_url)

    answer = await _peers(asker).read_library("sandnes", "/peer/v1/whoami", WhoAmI)
    assert answer == WhoAmI(library_id="sandnes", caller="asker")
    # A library with no node URL in the directory (oslo) or not in it at all is not reachable.
    for unknown in ("oslo", "nowhere"):
        with pytest.raises(PeerUnavailableError) as unreachable:
            await _peers(asker).read_library(unknown, "/peer/v1/whoami", WhoAmI)
        assert unreachable.value.reason == "not_reachable"


async def test_an_answer_from_another_librarys_node_is_not_taken_for_the_library_called(
    registry: RunningRegistry,  # noqa: F811
    start_node: NodeFactory,  # noqa: F811
    set_federation_profile: ProfileSetter,
) -> None:
    """A wrong node URL in the directory (a typo, a moved node, a node answering for another): the certificate
    the answering node presents is Sandnes's, not Oslo's, so its answer is not taken for Oslo's."""
    asker = await start_node("asker", registry.api_url)
    sandnes = await start_node("sandnes", registry.api_url)
    assert sandnes.library.peer_url is not None
    await set_federation_profile("oslo", sandnes.library.peer_url)
    await set_federation_profile("sandnes", sandnes.library.peer_url)

    with pytest.raises(PeerUnavailableError) as wrong_node:
        await _peers(asker).read_library("oslo", "/peer/v1/whoami", WhoAmI)
    assert wrong_node.value.reason == "not_reachable"
    # The same node, called as Sandnes's, is Sandnes.
    answer = await _peers(asker).read_library("sandnes", "/peer/v1/whoami", WhoAmI)
    assert answer.library_id == "sandnes"


async def test_the_peer_listener_refuses_a_caller_without_a_current_library_certificate(
    registry: RunningRegistry,  # noqa: F811
    start_node: NodeFactory,  # noqa: F811
    keys_dir: Path,
) -> None:
    sandnes = await start_node("sandnes", registry.api_url)
    layout = KeyLayout(keys_dir)
    url = f"{sandnes.library.peer_url}/peer/v1/whoami"
    # No client certificate: the handshake fails.
    anonymous = ssl.create_default_context(cafile=layout.ca_certificate)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=anonymous)) as session:
        with pytest.raises(aiohttp.ClientError):
            async with session.get(url) as response:
                await response.read()
    # A certificate from our CA that belongs to no library (an administrator's): refused by the directory check.
    if "peer-test-admin" not in load_administrator_entries(layout):
        add_administrator(keys_dir, "peer-test-admin")
    admin = ssl.create_default_context(cafile=layout.ca_certificate)
    admin.load_cert_chain(
        layout.administrator_certificate("peer-test-admin"), layout.administrator_key("peer-test-admin")
    )
    async with (
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=admin)) as session,
        session.get(url) as response,
    ):
        assert response.status == 403
        assert (await response.json())["code"] == "certificate_not_current"
    # The node's browser-facing listener does not serve peer endpoints.
    library = ssl.create_default_context(cafile=layout.ca_certificate)
    async with (
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=library)) as session,
        session.get(f"{sandnes.library.url}/peer/v1/whoami") as response,
    ):
        assert response.status == 404


class PeerUnderTest:
    """Sandnes's node app behind a peer listener with test endpoints: a state change, a slow one, a failing one."""

    def __init__(self) -> None:
        self.received: list[Shipment] = []
        self.url = ""

    async def receive(self, request: web.Request, connection: DbConnection, call: LibraryCall) -> PeerAnswer:
        shipment = call.parse(Shipment)
        self.received.append(shipment)
        await connection.execute("SELECT 1")
        await asyncio.sleep(0.05)  # a little work, so two deliveries at once overlap
        if shipment.refuse:
            raise DomainError(ErrorKind.CONFLICT, "not_now", "the shelf is being counted")
        if shipment.crash:
            raise RuntimeError("the node fell over in the middle of the change")
        by = node_app(request)[app_keys.SETTINGS].library_id
        return PeerAnswer(201, {"number": shipment.number, "by": by, "caller": call.caller.library_id})

    async def slow(self, request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return web.json_response({})

    def endpoints(self) -> list[PeerEndpoint]:
        return [
            library_endpoint("POST", "/peer/v1/test/shipments", "a state change", self.receive),
            PeerEndpoint("GET", "/peer/v1/test/slow", "answers after five seconds", self.slow),
        ]


@pytest.fixture
async def peer_under_test(
    registry: RunningRegistry,  # noqa: F811
    start_node: NodeFactory,  # noqa: F811
    set_federation_profile: ProfileSetter,
    keys_dir: Path,
) -> AsyncIterator[tuple[Node, PeerUnderTest]]:
    asker = await start_node("asker", registry.api_url)
    sandnes = await start_node("sandnes", registry.api_url)
    peer = PeerUnderTest()
    runner = ListenerRunner(create_peer_app(sandnes.library.runner.app, peer.endpoints()), read_timeout_seconds=30)
    await runner.setup()
    context = library_peer_server_context(KeyLayout(keys_dir), "sandnes")
    port = await start_site(runner, ListenerSite(runner, "127.0.0.1", 0, ssl_context=context))
    peer.url = f"https://127.0.0.1:{port}"
    await set_federation_profile("sandnes", peer.url)
    yield asker, peer
    await runner.cleanup()


def _peers(node: Node) -> PeerClient:
    return node.library.runner.app[app_keys.PEER_CLIENT]


async def _ship(node: Node, key: str, shipment: Shipment) -> Received:
    return await _peers(node).call_library(
        "sandnes", "POST", "/peer/v1/test/shipments", Received, idempotency_key=key, body=shipment
    )


async def test_a_state_change_happens_once_however_often_it_is_delivered(
    peer_under_test: tuple[Node, PeerUnderTest],
) -> None:
    asker, peer = peer_under_test
    first = await _ship(asker, "ship-1", Shipment(number=1))
    again = await _ship(asker, "ship-1", Shipment(number=1))
    assert first == again == Received(number=1, by="sandnes", caller="asker")
    assert len(peer.received) == 1
    # Two deliveries at the same moment (an outbox retry racing the first): still once.
    both = await asyncio.gather(*(_ship(asker, "ship-2", Shipment(number=2)) for _ in range(2)))
    assert both[0] == both[1]
    assert [shipment.number for shipment in peer.received] == [1, 2]
    # The same key for another change is refused, not taken for the first.
    with pytest.raises(PeerRefusedError) as reused:
        await _ship(asker, "ship-1", Shipment(number=3))
    assert (reused.value.status, reused.value.code) == (422, "idempotency_key_reused")


async def test_a_refused_or_crashed_change_is_not_recorded_and_a_retry_goes_through(
    peer_under_test: tuple[Node, PeerUnderTest], keys_dir: Path
) -> None:
    asker, peer = peer_under_test
    with pytest.raises(PeerRefusedError) as refused:
        await _ship(asker, "ship-9", Shipment(number=9, refuse=True))
    assert (refused.value.status, refused.value.code) == (409, "not_now")
    with pytest.raises(PeerUnavailableError) as crashed:
        await _ship(asker, "ship-9", Shipment(number=9, crash=True))
    assert (crashed.value.reason, crashed.value.status) == ("failed", 500)
    assert await _ship(asker, "ship-9", Shipment(number=9)) == Received(number=9, by="sandnes", caller="asker")
    assert len(peer.received) == 3
    # Without an idempotency key a state change is refused.
    layout = KeyLayout(keys_dir)
    context = library_client_context(layout, "asker")
    async with (
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context)) as session,
        session.post(f"{peer.url}/peer/v1/test/shipments", json={"number": 10}) as response,
    ):
        assert response.status == 428
        assert (await response.json())["code"] == "idempotency_key_required"


async def test_a_slow_peer_times_out_and_a_stopped_one_is_not_reachable(
    peer_under_test: tuple[Node, PeerUnderTest],
    registry: RunningRegistry,  # noqa: F811
    start_node: NodeFactory,  # noqa: F811
    set_federation_profile: ProfileSetter,
    tmp_path: Path,
) -> None:
    asker, _ = peer_under_test
    with pytest.raises(PeerUnavailableError) as slow:
        await _peers(asker).read_library("sandnes", "/peer/v1/test/slow", WhoAmI, timeout_seconds=0.5)
    assert slow.value.reason == "timed_out"
    oslo = await start_node("oslo", registry.api_url, policy_path=oslo_policy(tmp_path))
    assert oslo.library.peer_url is not None
    await set_federation_profile("oslo", oslo.library.peer_url)
    await oslo.stop()
    with pytest.raises(PeerUnavailableError) as stopped:
        await _peers(asker).read_library("oslo", "/peer/v1/whoami", WhoAmI)
    assert stopped.value.reason == "not_reachable"
