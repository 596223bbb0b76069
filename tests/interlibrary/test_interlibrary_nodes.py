"""A patron at Asker orders a Sandnes copy and it goes through every state, over real nodes and mutual TLS,
with Sandnes restarted in the middle and Asker's messages waiting for it; nothing is lost or done twice."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg

from local_library import app_keys
from tests.federation.conftest import set_federation_profile
from tests.interlibrary.nodes import DIRECTORY_MAX_AGE_SECONDS, Federation, federation
from tests.national.conftest import Node, registry

__all__ = ["federation", "registry", "set_federation_profile"]


async def _patron_card(node: Node) -> str:
    body = {
        "name": "Kari Nordmann",
        "birth_date": "1980-05-17",
        "email": "kari@example.org",
        "postal_address": "Storgata 1, 4306 Sandnes",  # Sandnes issues cards to those with an address in Norway
        "preferred_contact": "email",
    }
    created = await node.ok("POST", "/api/staff/patrons", body)
    card: str = created["card_number"]
    return card


async def _state(node: Node, path: str, request_id: str) -> str | None:
    listing = await node.ok("GET", path)
    states = {item["request_id"]: item["state"] for item in listing["requests"]}
    return states.get(request_id)


def _pool(node: Node) -> asyncpg.Pool:
    return node.library.runner.app[app_keys.POOL]


async def test_an_order_goes_through_every_state_across_a_restart(federation: Federation) -> None:
    asker, sandnes = federation.libraries["asker"], federation.libraries["sandnes"]
    card = await _patron_card(asker.running)

    found = await asker.running.ok("GET", "/api/staff/interlibrary/search?text=hamsun")
    statuses = {library["library_id"]: library["status"] for library in found["libraries"]}
    assert statuses == {"asker": "answered", "sandnes": "answered"}
    sandnes_hits = next(library["hits"] for library in found["libraries"] if library["library_id"] == "sandnes")
    assert [(hit["barcode"], hit["available"]) for hit in sandnes_hits] == [("SANDNES-1", True), ("SANDNES-2", True)]

    order = {"card_number": card, "owner_library": "sandnes", "barcode": "SANDNES-1", "title": "Markens grøde"}
    request_id = (await asker.running.ok("POST", "/api/staff/interlibrary/requests", order))["request_id"]
    assert (await asker.deliver()).delivered == 1
    assert await _state(sandnes.running, "/api/staff/interlibrary/incoming", request_id) == "requested"

    # Sandnes cannot lend its promised copy to its own patron.
    local_card = await _patron_card(sandnes.running)
    status, refused = await sandnes.running.call(
        "POST", "/api/staff/checkouts", {"card_number": local_card, "barcode": "SANDNES-1"}
    )
    assert (status, refused["code"]) == (409, "item_on_interlibrary_loan")

    await sandnes.running.ok("POST", f"/api/staff/interlibrary/incoming/{request_id}/ship")
    assert (await sandnes.deliver()).delivered == 1
    assert await _state(asker.running, "/api/staff/interlibrary/requests", request_id) == "shipped"

    # Sandnes goes down. Asker works on; its message waits.
    await federation.stop("sandnes")
    received = await asker.running.ok("POST", f"/api/staff/interlibrary/requests/{request_id}/received")
    assert received["reference_number"] is not None
    waiting = await asker.deliver()
    assert (waiting.delivered, waiting.retrying) == (0, 1)
    await asker.running.ok("POST", f"/api/staff/interlibrary/requests/{request_id}/lend")
    status, problem = await asker.running.call("POST", f"/api/staff/interlibrary/requests/{request_id}/renew")
    assert (status, problem["code"]) == (503, "peer_unavailable")

    # Sandnes is back (on a new peer port, found through the directory), and gets the waiting message once.
    await federation.start(sandnes)
    await _make_due(asker.running)
    await asyncio.sleep(DIRECTORY_MAX_AGE_SECONDS)  # Asker's copy of the directory ages: it looks again
    assert (await asker.deliver()).delivered == 1
    assert await _state(sandnes.running, "/api/staff/interlibrary/incoming", request_id) == "received"

    renewed = await asker.running.ok("POST", f"/api/staff/interlibrary/requests/{request_id}/renew")
    assert renewed["renewals"] == 1
    await asker.running.ok("POST", f"/api/staff/interlibrary/requests/{request_id}/returned")
    await asker.running.ok("POST", f"/api/staff/interlibrary/requests/{request_id}/ship-back")
    assert (await asker.deliver()).delivered == 1
    assert await _state(sandnes.running, "/api/staff/interlibrary/incoming", request_id) == "shipped_back"
    await sandnes.running.ok("POST", f"/api/staff/interlibrary/incoming/{request_id}/received-back")
    assert (await sandnes.deliver()).delivered == 1
    assert await _state(asker.running, "/api/staff/interlibrary/requests", request_id) is None  # no longer open
    final = await _pool(asker.running).fetchval(
        "SELECT state FROM interlibrary_borrowing WHERE request_id = $1", uuid.UUID(request_id)
    )
    assert final == "completed"

    # Exactly once: every message delivered, each applied once at the other node (one recorded answer each).
    assert await _outbox(asker.running) == {"delivered": 3}
    assert await _outbox(sandnes.running) == {"delivered": 2}
    assert await _pool(sandnes.running).fetchval("SELECT count(*) FROM peer_call_results") == 4  # + the renewal
    assert await _pool(asker.running).fetchval("SELECT count(*) FROM peer_call_results") == 2
    # The copy is home and lends at Sandnes again.
    await sandnes.running.ok("POST", "/api/staff/checkouts", {"card_number": local_card, "barcode": "SANDNES-1"})


async def _make_due(node: Node) -> None:
    """Skip the backoff after the outage, as an operator's retry would."""
    await _pool(node).execute("UPDATE interlibrary_outbox SET next_attempt_at = now() WHERE status = 'pending'")


async def _outbox(node: Node) -> dict[str, Any]:
    rows = await _pool(node).fetch("SELECT status, count(*) AS n FROM interlibrary_outbox GROUP BY status")
    return {row["status"]: row["n"] for row in rows}


async def test_a_stopped_library_is_named_not_reachable_in_the_search(federation: Federation) -> None:
    asker = federation.libraries["asker"]
    await federation.stop("sandnes")
    found = await asker.running.ok("GET", "/api/staff/interlibrary/search?text=sult")
    statuses = {library["library_id"]: library["status"] for library in found["libraries"]}
    assert statuses == {"asker": "answered", "sandnes": "not_reachable"}


async def test_staff_moves_out_of_order_are_refused_with_the_state(federation: Federation) -> None:
    asker = federation.libraries["asker"]
    card = await _patron_card(asker.running)
    order = {"card_number": card, "owner_library": "sandnes", "barcode": "SANDNES-2", "title": "Sult"}
    request_id = (await asker.running.ok("POST", "/api/staff/interlibrary/requests", order))["request_id"]
    status, problem = await asker.running.call("POST", f"/api/staff/interlibrary/requests/{request_id}/lend")
    assert (status, problem["code"], problem["state"]) == (409, "interlibrary_state_conflict", "requested")
    status, problem = await asker.running.call("POST", "/api/staff/interlibrary/requests", order)
    assert (status, problem["code"]) == (409, "interlibrary_already_requested")
    status, _ = await asker.running.call("POST", f"/api/staff/interlibrary/requests/{uuid.uuid4()}/cancel")
    assert status == 404
    sandnes = federation.libraries["sandnes"]
    refuse = f"/api/staff/interlibrary/incoming/{uuid.uuid4()}/refuse"
    status, problem = await sandnes.running.call("POST", refuse, {"reason": "Not; a code"})
    assert (status, problem["code"]) == (422, "validation_failed")
    status, _ = await sandnes.running.call("POST", "/api/staff/interlibrary/incoming/not-a-uuid/ship")
    assert status == 404
    status, problem = await asker.running.call("GET", "/api/staff/interlibrary/search?text=x")
    assert status == 422
