"""An interlibrary request through every state between Asker (pickup) and Sandnes (owner), on their databases.

Each node's side changes only by its own staff, patrons or the other node's messages; messages travel only
through the outbox, so these tests deliver explicitly and check both sides after each step, including the
faults of the way between them.
"""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from local_library.circulation.lending import check_out_to
from local_library.circulation.reservations import reserve
from local_library.daily.run import run_daily
from local_library.interlibrary import borrowing, lending
from local_library.interlibrary.queries import borrowed, lent
from local_library.interlibrary.search import CatalogueQuery, federated_search
from local_library.interlibrary.service import anonymise_finished
from plumbing.errors import DomainError
from registry_contract.pins import PinHasher
from tests.interlibrary.conftest import Node
from tests.library.conftest import add_item, add_patron
from tests.library.test_daily import RecordingSender


async def _order(asker: Node, sandnes: Node, hasher: PinHasher) -> tuple[uuid.UUID, str, uuid.UUID]:
    async with sandnes.pool.acquire() as conn:
        item = await add_item(conn, "book", title="Sult")
    async with asker.pool.acquire() as conn, conn.transaction():
        patron = await add_patron(conn, asker.policy, asker.clock, hasher)
        request = await borrowing.order_copy(
            conn, asker.clock, "asker", patron, owner_library="sandnes", barcode=item.barcode,
            title="(as found)", author=None,
        )  # fmt: skip
    return request.request_id, item.barcode, patron.patron_id


async def _states(asker: Node, sandnes: Node, request_id: uuid.UUID) -> tuple[str, str | None]:
    async with asker.pool.acquire() as conn:
        mine = await borrowed(conn, request_id)
    async with sandnes.pool.acquire() as conn:
        row = await conn.fetchrow("SELECT state FROM interlibrary_lending WHERE request_id = $1", request_id)
    return mine.state, None if row is None else row["state"]


async def _outbox_counts(pool: asyncpg.Pool) -> dict[str, int]:
    rows = await pool.fetch("SELECT status, count(*) AS n FROM interlibrary_outbox GROUP BY status")
    return {row["status"]: row["n"] for row in rows}


async def test_a_request_goes_through_every_state_once(node_pair: tuple[Node, Node], hasher: PinHasher) -> None:
    asker, sandnes = node_pair
    request_id, barcode, patron_id = await _order(asker, sandnes, hasher)
    assert await _states(asker, sandnes, request_id) == ("requested", None)

    await asker.interlibrary.deliver()
    assert await _states(asker, sandnes, request_id) == ("requested", "requested")
    async with asker.pool.acquire() as conn:
        assert (await borrowed(conn, request_id)).title == "Sult"  # the owner's catalogue names the copy

    # The owner's copy is now promised to the request: it cannot be lent at Sandnes.
    async with sandnes.pool.acquire() as conn, conn.transaction():
        local = await add_patron(conn, sandnes.policy, sandnes.clock, hasher)
        with pytest.raises(DomainError) as refused:
            await check_out_to(conn, sandnes.policy, sandnes.clock, local, barcode)
    assert refused.value.code == "item_on_interlibrary_loan"

    async with sandnes.pool.acquire() as conn, conn.transaction():
        shipped = await lending.ship(conn, sandnes.policy, sandnes.clock, request_id)
    assert shipped.due_on is not None
    await sandnes.interlibrary.deliver()
    assert await _states(asker, sandnes, request_id) == ("shipped", "shipped")

    async with asker.pool.acquire() as conn, conn.transaction():
        received = await borrowing.receive_shipment(conn, asker.policy, asker.clock, request_id)
    assert received.reference_number is not None
    assert received.pickup_deadline is not None
    notices = await asker.pool.fetch("SELECT kind, dedupe_key, payload FROM notices WHERE patron_id = $1", patron_id)
    assert [(row["kind"], row["dedupe_key"]) for row in notices] == [("pickup", f"interlibrary-pickup:{request_id}")]
    await asker.interlibrary.deliver()
    assert await _states(asker, sandnes, request_id) == ("received", "received")

    async with asker.pool.acquire() as conn, conn.transaction():
        loan = await borrowing.lend_to_patron(conn, asker.clock, request_id)
    assert loan.owner_due_on == shipped.due_on

    asker.clock.advance(days=10)
    renewed = await asker.interlibrary.renew(request_id, patron_id=patron_id)
    assert renewed.renewals == 1
    assert renewed.owner_due_on is not None
    assert renewed.owner_due_on > shipped.due_on
    async with sandnes.pool.acquire() as conn:
        assert (await lent(conn, request_id)).due_on == renewed.owner_due_on

    async with asker.pool.acquire() as conn, conn.transaction():
        await borrowing.take_back_from_patron(conn, asker.clock, request_id)
        await borrowing.ship_back(conn, asker.clock, request_id)
    await asker.interlibrary.deliver()
    assert await _states(asker, sandnes, request_id) == ("shipped_back", "shipped_back")

    async with sandnes.pool.acquire() as conn, conn.transaction():
        await lending.receive_back(conn, sandnes.policy, sandnes.clock, request_id)
    await sandnes.interlibrary.deliver()
    assert await _states(asker, sandnes, request_id) == ("completed", "completed")

    # Home again, the copy lends at Sandnes as before.
    async with sandnes.pool.acquire() as conn, conn.transaction():
        await check_out_to(conn, sandnes.policy, sandnes.clock, local, barcode)
    assert await _outbox_counts(asker.pool) == {"delivered": 3}  # request, received, shipped back
    assert await _outbox_counts(sandnes.pool) == {"delivered": 2}  # shipped, received back


@pytest.mark.parametrize("fault", ["down", "500", "slow"])
async def test_a_peer_that_cannot_answer_only_delays(
    node_pair: tuple[Node, Node], hasher: PinHasher, fault: str
) -> None:
    asker, sandnes = node_pair
    request_id, _, _ = await _order(asker, sandnes, hasher)
    asker.transport.faults["sandnes"] = fault
    report = await asker.interlibrary.deliver()
    assert (report.delivered, report.retrying) == (0, 1)
    assert await _outbox_counts(asker.pool) == {"pending": 1}
    asker.clock.advance(seconds=1)
    assert (await asker.interlibrary.deliver()).retrying == 0  # backing off: not tried again at once
    asker.transport.faults.clear()
    asker.clock.advance(seconds=60)
    assert (await asker.interlibrary.deliver()).delivered == 1
    assert await _states(asker, sandnes, request_id) == ("requested", "requested")
    assert await sandnes.pool.fetchval("SELECT count(*) FROM interlibrary_lending") == 1


async def test_a_message_applied_twice_changes_nothing_the_second_time(
    node_pair: tuple[Node, Node], hasher: PinHasher
) -> None:
    asker, sandnes = node_pair
    request_id, _, _ = await _order(asker, sandnes, hasher)
    asker.transport.faults["sandnes"] = "twice"
    assert (await asker.interlibrary.deliver()).delivered == 1
    async with sandnes.pool.acquire() as conn, conn.transaction():
        await lending.ship(conn, sandnes.policy, sandnes.clock, request_id)
    sandnes.transport.faults["asker"] = "twice"
    assert (await sandnes.interlibrary.deliver()).delivered == 1
    assert await _states(asker, sandnes, request_id) == ("shipped", "shipped")
    assert await sandnes.pool.fetchval("SELECT count(*) FROM interlibrary_lending") == 1
    async with asker.pool.acquire() as conn:
        assert (await borrowed(conn, request_id)).state == "shipped"


async def test_the_patron_cancels_before_the_owner_ships(node_pair: tuple[Node, Node], hasher: PinHasher) -> None:
    asker, sandnes = node_pair
    request_id, barcode, patron_id = await _order(asker, sandnes, hasher)
    await asker.interlibrary.deliver()
    async with asker.pool.acquire() as conn, conn.transaction():
        cancelled = await borrowing.cancel_order(conn, asker.clock, request_id, patron_id=patron_id)
    assert (cancelled.state, cancelled.cancelled_by) == ("cancelled", "patron")
    await asker.interlibrary.deliver()
    assert await _states(asker, sandnes, request_id) == ("cancelled", "cancelled")
    # The copy is free at Sandnes again.
    async with sandnes.pool.acquire() as conn, conn.transaction():
        local = await add_patron(conn, sandnes.policy, sandnes.clock, hasher)
        await check_out_to(conn, sandnes.policy, sandnes.clock, local, barcode)


async def test_a_cancellation_that_crosses_the_shipment_loses(node_pair: tuple[Node, Node], hasher: PinHasher) -> None:
    asker, sandnes = node_pair
    request_id, _, patron_id = await _order(asker, sandnes, hasher)
    await asker.interlibrary.deliver()
    async with sandnes.pool.acquire() as conn, conn.transaction():
        await lending.ship(conn, sandnes.policy, sandnes.clock, request_id)
    async with asker.pool.acquire() as conn, conn.transaction():
        await borrowing.cancel_order(conn, asker.clock, request_id, patron_id=patron_id)
    await asker.interlibrary.deliver()  # Sandnes refuses: the copy is on its way
    await sandnes.interlibrary.deliver()
    assert await _states(asker, sandnes, request_id) == ("shipped", "shipped")
    assert await _outbox_counts(asker.pool) == {"delivered": 2}


async def test_the_owner_refuses_a_copy_it_cannot_lend(node_pair: tuple[Node, Node], hasher: PinHasher) -> None:
    asker, sandnes = node_pair
    async with sandnes.pool.acquire() as conn, conn.transaction():
        item = await add_item(conn, "book")
        local = await add_patron(conn, sandnes.policy, sandnes.clock, hasher)
        await check_out_to(conn, sandnes.policy, sandnes.clock, local, item.barcode)
    async with asker.pool.acquire() as conn, conn.transaction():
        patron = await add_patron(conn, asker.policy, asker.clock, hasher)
        request = await borrowing.order_copy(
            conn, asker.clock, "asker", patron, owner_library="sandnes", barcode=item.barcode, title="X", author=None
        )
    await asker.interlibrary.deliver()
    async with asker.pool.acquire() as conn:
        refused = await borrowed(conn, request.request_id)
    assert (refused.state, refused.cancelled_by, refused.cancel_reason) == (
        "cancelled", "owner", "interlibrary_item_unavailable",
    )  # fmt: skip


async def test_the_owner_cancels_and_the_copy_is_reservable_again(
    node_pair: tuple[Node, Node], hasher: PinHasher
) -> None:
    asker, sandnes = node_pair
    request_id, barcode, _ = await _order(asker, sandnes, hasher)
    await asker.interlibrary.deliver()
    async with sandnes.pool.acquire() as conn, conn.transaction():
        local = await add_patron(conn, sandnes.policy, sandnes.clock, hasher)
        assert local.card_number is not None
        waiting = await reserve(conn, sandnes.policy, sandnes.clock, local.card_number, barcode)
    assert waiting.status == "waiting"  # the copy is promised away: not held at once
    async with sandnes.pool.acquire() as conn, conn.transaction():
        await lending.refuse(conn, sandnes.policy, sandnes.clock, request_id, "damaged")
    await sandnes.interlibrary.deliver()
    async with asker.pool.acquire() as conn:
        mine = await borrowed(conn, request_id)
    assert (mine.state, mine.cancelled_by, mine.cancel_reason) == ("cancelled", "owner", "damaged")
    ready = await sandnes.pool.fetchval(
        "SELECT status FROM reservations WHERE reservation_id = $1", waiting.reservation_id
    )
    assert ready == "ready"  # free again, the copy goes to the pickup shelf for Sandnes' own patron


async def test_finished_requests_lose_their_patron_within_72_hours(
    node_pair: tuple[Node, Node], hasher: PinHasher
) -> None:
    asker, sandnes = node_pair
    request_id, _, patron_id = await _order(asker, sandnes, hasher)
    async with asker.pool.acquire() as conn, conn.transaction():
        await borrowing.cancel_order(conn, asker.clock, request_id, patron_id=patron_id)
    asker.clock.advance(seconds=23 * 3600)
    async with asker.pool.acquire() as conn:
        assert await anonymise_finished(conn, asker.clock) == 0  # staff still see it the day after
    asker.clock.advance(seconds=2 * 3600)
    async with asker.pool.acquire() as conn:
        assert await anonymise_finished(conn, asker.clock) == 1
        gone = await borrowed(conn, request_id)
        assert gone.patron_id is None
        assert await anonymise_finished(conn, asker.clock) == 0
    assert await asker.pool.fetchval("SELECT count(*) FROM interlibrary_borrowing WHERE patron_id = $1", patron_id) == 0


async def test_the_daily_run_anonymises_what_ended_the_day_before(
    node_pair: tuple[Node, Node], hasher: PinHasher
) -> None:
    asker, sandnes = node_pair
    request_id, _, patron_id = await _order(asker, sandnes, hasher)
    async with asker.pool.acquire() as conn, conn.transaction():
        await borrowing.cancel_order(conn, asker.clock, request_id, patron_id=patron_id)
    sender = RecordingSender()
    assert (await run_daily(asker.pool, asker.policy, asker.clock, sender)).interlibrary_requests_anonymised == 0
    asker.clock.advance(days=1, seconds=1)
    assert (await run_daily(asker.pool, asker.policy, asker.clock, sender)).interlibrary_requests_anonymised == 1
    async with asker.pool.acquire() as conn:
        assert (await borrowed(conn, request_id)).patron_id is None


async def test_one_search_finds_copies_at_every_library_with_each_status(
    node_pair: tuple[Node, Node], hasher: PinHasher
) -> None:
    asker, sandnes = node_pair
    async with sandnes.pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "INSERT INTO items (barcode, title, material, audience, author, isbn) VALUES "
            "('S-1', 'Markens grøde', 'book', 'adult', 'Knut Hamsun', '9788205000000'), "
            "('S-2', 'Sult', 'book', 'adult', 'Knut Hamsun', NULL)"
        )
        local = await add_patron(conn, sandnes.policy, sandnes.clock, hasher)
        await check_out_to(conn, sandnes.policy, sandnes.clock, local, "S-2")
    async with asker.pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "INSERT INTO items (barcode, title, material, audience, author) VALUES "
            "('A-1', 'Pan', 'book', 'adult', 'Knut Hamsun')"
        )

    results = await asker.interlibrary.search(CatalogueQuery(text="hamsun"))
    assert [(result.library_id, result.status) for result in results] == [
        ("asker", "answered"),
        ("sandnes", "answered"),
    ]
    assert [(hit.barcode, hit.available) for hit in results[1].hits] == [("S-1", True), ("S-2", False)]
    by_isbn = await asker.interlibrary.search(CatalogueQuery(text="978-82-05-00000-0"))
    assert [hit.barcode for hit in by_isbn[1].hits] == ["S-1"]
    by_barcode = await asker.interlibrary.search(CatalogueQuery(text="S-2"))
    assert [hit.title for hit in by_barcode[1].hits] == ["Sult"]

    for fault, status in (("down", "not_reachable"), ("slow", "timed_out")):
        asker.transport.faults["sandnes"] = fault
        partial = await federated_search(
            CatalogueQuery(text="hamsun"), ["sandnes"], asker.transport.search, asker.transport.failure_status,
            deadline_seconds=0.1,
        )  # fmt: skip
        assert [(result.library_id, result.status, result.hits) for result in partial] == [("sandnes", status, [])]


async def test_an_overdue_interlibrary_loan_is_reminded_by_the_pickup_library(
    node_pair: tuple[Node, Node], hasher: PinHasher
) -> None:
    asker, sandnes = node_pair
    request_id, _, patron_id = await _order(asker, sandnes, hasher)
    await asker.interlibrary.deliver()
    async with sandnes.pool.acquire() as conn, conn.transaction():
        shipped = await lending.ship(conn, sandnes.policy, sandnes.clock, request_id)
    await sandnes.interlibrary.deliver()
    async with asker.pool.acquire() as conn, conn.transaction():
        await borrowing.receive_shipment(conn, asker.policy, asker.clock, request_id)
        await borrowing.lend_to_patron(conn, asker.clock, request_id)
        assert await borrowing.remind_overdue(conn, asker.policy, asker.clock) == 0  # not due yet
    assert shipped.due_on is not None
    asker.clock.advance(days=(shipped.due_on - asker.clock.today()).days + 7)  # Asker's first reminder step
    async with asker.pool.acquire() as conn, conn.transaction():
        assert await borrowing.remind_overdue(conn, asker.policy, asker.clock) == 1
        assert await borrowing.remind_overdue(conn, asker.policy, asker.clock) == 0  # never twice for one step
    reminders = await asker.pool.fetch(
        "SELECT dedupe_key FROM notices WHERE kind = 'reminder' AND patron_id = $1", patron_id
    )
    assert [row["dedupe_key"] for row in reminders] == [f"interlibrary-reminder:{request_id}:1"]
