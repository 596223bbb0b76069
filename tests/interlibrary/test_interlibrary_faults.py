"""The way between two real nodes failing: the owner slow past the caller's deadline, answering 500, a sender
that dies after the owner applied its message (the message is sent again under its key), and two delivery
loops on one database. Each message changes the owner once, and nothing is lost."""

from __future__ import annotations

import asyncio
import ssl
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
from aiohttp import web

from local_library import app_keys
from local_library.federation.peer_client import PeerClient
from local_library.interlibrary.messages import PeerMessage
from local_library.interlibrary.network import FederationNetwork
from local_library.interlibrary.outbox import deliver_messages
from local_library.interlibrary.service import Interlibrary
from plumbing.keys.layout import KeyLayout
from plumbing.tls import library_client_context, library_peer_server_context
from tests.federation.conftest import ProfileSetter, set_federation_profile
from tests.interlibrary.nodes import DIRECTORY_MAX_AGE_SECONDS, Federation, Library, federation
from tests.national.conftest import Node, registry

__all__ = ["federation", "registry", "set_federation_profile"]


def _pool(node: Node) -> asyncpg.Pool:
    return node.library.runner.app[app_keys.POOL]


def _interlibrary(library: Library) -> Interlibrary:
    return library.running.library.runner.app[app_keys.INTERLIBRARY]


async def _order(asker: Library, barcode: str = "SANDNES-1") -> uuid.UUID:
    body = {
        "name": "Kari Nordmann",
        "birth_date": "1980-05-17",
        "email": "kari@example.org",
        "preferred_contact": "email",
    }
    card = (await asker.running.ok("POST", "/api/staff/patrons", body))["card_number"]
    order = {"card_number": card, "owner_library": "sandnes", "barcode": barcode, "title": "?"}
    return uuid.UUID((await asker.running.ok("POST", "/api/staff/interlibrary/requests", order))["request_id"])


async def _owner_rows(sandnes: Library) -> int:
    count: int = await _pool(sandnes.running).fetchval("SELECT count(*) FROM interlibrary_lending")
    return count


async def _last_error(asker: Library) -> str | None:
    error: str | None = await _pool(asker.running).fetchval("SELECT last_error FROM interlibrary_outbox")
    return error


async def _make_due(asker: Library) -> None:
    await _pool(asker.running).execute("UPDATE interlibrary_outbox SET next_attempt_at = now()")


async def test_an_owner_too_slow_to_answer_applies_the_message_once(federation: Federation, keys_dir: Path) -> None:
    asker, sandnes = federation.libraries["asker"], federation.libraries["sandnes"]
    await _order(asker)
    app = asker.running.library.runner.app
    # The same node, with a deadline no node can meet: the owner does the work, the answer comes too late.
    impatient = PeerClient(
        app[app_keys.PEER_DIRECTORY], library_client_context(KeyLayout(keys_dir), "asker"), timeout_seconds=0.001
    )
    interlibrary = _interlibrary(asker)
    try:
        slow = Interlibrary("asker", interlibrary.pool, interlibrary.policy, interlibrary.clock,
                            FederationNetwork("asker", app[app_keys.PEER_DIRECTORY], impatient))  # fmt: skip
        report = await slow.deliver()
    finally:
        await impatient.close()
    assert (report.delivered, report.retrying) == (0, 1)
    assert await _last_error(asker) == "peer_timed_out"
    await _make_due(asker)
    assert (await asker.deliver()).delivered == 1
    assert await _owner_rows(sandnes) == 1


async def _failing_owner(keys_dir: Path) -> AsyncIterator[str]:
    """A node at Sandnes' name (its certificate) that answers every call with 500."""

    async def fail(request: web.Request) -> web.Response:
        return web.json_response({"code": "internal"}, status=500)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", fail)
    runner = web.AppRunner(app)
    await runner.setup()
    context: ssl.SSLContext = library_peer_server_context(KeyLayout(keys_dir), "sandnes")
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
    await site.start()
    port = runner.addresses[0][1]
    yield f"https://127.0.0.1:{port}"
    await runner.cleanup()


async def test_an_owner_answering_500_only_delays(
    federation: Federation, keys_dir: Path, set_federation_profile: ProfileSetter
) -> None:
    asker, sandnes = federation.libraries["asker"], federation.libraries["sandnes"]
    request_id = await _order(asker)
    failing = _failing_owner(keys_dir)
    await set_federation_profile("sandnes", await anext(failing))
    await asyncio.sleep(DIRECTORY_MAX_AGE_SECONDS)  # Asker's copy of the directory ages: it reads the new URL
    try:
        report = await asker.deliver()
    finally:
        async for _ in failing:
            pass
    assert (report.delivered, report.retrying) == (0, 1)
    assert await _last_error(asker) == "peer_failed"
    assert sandnes.running.library.peer_url is not None
    await set_federation_profile("sandnes", sandnes.running.library.peer_url)
    await asyncio.sleep(DIRECTORY_MAX_AGE_SECONDS)
    await _make_due(asker)
    assert (await asker.deliver()).delivered == 1
    incoming = await sandnes.running.ok("GET", "/api/staff/interlibrary/incoming")
    assert [item["request_id"] for item in incoming["requests"]] == [str(request_id)]


async def test_a_sender_that_died_after_the_owner_applied_sends_again_and_changes_nothing(
    federation: Federation,
) -> None:
    asker, sandnes = federation.libraries["asker"], federation.libraries["sandnes"]
    request_id = await _order(asker)
    row = await _pool(asker.running).fetchrow("SELECT idempotency_key, payload FROM interlibrary_outbox")
    assert row is not None
    # What the dead process did: the call reached Sandnes, which applied it; the outbox never heard back.
    network = _interlibrary(asker).transport
    first = await network.send(
        "sandnes", "request_item", row["idempotency_key"], PeerMessage.model_validate_json(row["payload"])
    )
    assert first.state == "requested"
    assert (await asker.deliver()).delivered == 1  # sent again, under the same key: the first answer comes back
    assert await _owner_rows(sandnes) == 1
    assert await _pool(sandnes.running).fetchval("SELECT count(*) FROM peer_call_results") == 1
    state = await _pool(asker.running).fetchval(
        "SELECT state FROM interlibrary_borrowing WHERE request_id = $1", request_id
    )
    assert state == "requested"


async def test_two_delivery_loops_on_one_database_send_each_message_once(federation: Federation) -> None:
    asker, sandnes = federation.libraries["asker"], federation.libraries["sandnes"]
    await _order(asker, "SANDNES-1")
    await _order(asker, "SANDNES-2")
    interlibrary = _interlibrary(asker)
    reports = await asyncio.gather(
        deliver_messages(interlibrary.pool, interlibrary.transport, interlibrary.settle, interlibrary.clock.now),
        deliver_messages(interlibrary.pool, interlibrary.transport, interlibrary.settle, interlibrary.clock.now),
    )
    assert sum(report.delivered for report in reports) == 2
    assert await _owner_rows(sandnes) == 2
    assert await _pool(sandnes.running).fetchval("SELECT count(*) FROM peer_call_results") == 2
