"""The per-library change feed: what each library hears, cursor paging, and changes that commit late."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import asyncpg

from registry.feed.store import encode_cursor
from registry_contract.client import RegistryClient, card_and_pin
from registry_contract.models import Change, ChangePage
from tests.registry.conftest import GOOD_PIN, RawApi, Register, refusal


async def _page(client: RegistryClient, cursor: str | None = None, limit: int = 100) -> ChangePage:
    query = f"?limit={limit}" + (f"&cursor={cursor}" if cursor else "")
    return await client.request("GET", f"/v1/changes{query}", ChangePage)


def _summary(changes: list[Change]) -> list[tuple[uuid.UUID, str, int | None]]:
    return [(change.patron_id, change.change, change.patron_version) for change in changes]


async def test_a_linked_library_hears_of_another_librarys_update(
    asker: RegistryClient, sandnes: RegistryClient, raw: RawApi, register: Register
) -> None:
    patron = await register(asker)
    patron_id = patron.record.patron_id
    linked = await sandnes.link(patron_id, card_and_pin(patron.record.card_number, GOOD_PIN))
    before = await _page(asker)
    answer = await raw.call(
        "sandnes", "PATCH", f"/v1/patrons/{patron_id}", json={"name": "Ny Navn"},
        headers={"If-Match": f'"{linked.version}"'},
    )  # fmt: skip
    assert answer.status == 200

    after = await _page(asker, before.next_cursor)
    assert _summary(after.changes) == [(patron_id, "updated", linked.version + 1)]
    assert _summary(before.changes) == [(patron_id, "registered", 1), (patron_id, "linked", 2)]
    sandnes_feed = await _page(sandnes)
    assert _summary(sandnes_feed.changes) == [(patron_id, "linked", 2), (patron_id, "updated", 3)]


async def test_paging_walks_every_change_once_in_order(asker: RegistryClient, raw: RawApi, register: Register) -> None:
    first = await register(asker)
    second = await register(asker)
    await raw.call("asker", "POST", f"/v1/patrons/{first.record.patron_id}/lost-card", headers={"If-Match": '"1"'})
    await raw.call(
        "asker", "PATCH", f"/v1/patrons/{second.record.patron_id}", json={"name": "X Y"}, headers={"If-Match": '"1"'}
    )
    everything = await _page(asker)
    assert _summary(everything.changes) == [
        (first.record.patron_id, "registered", 1),
        (second.record.patron_id, "registered", 1),
        (first.record.patron_id, "card_replaced", 2),
        (second.record.patron_id, "updated", 2),
    ]
    assert everything.has_more is False

    walked: list[Change] = []
    cursor: str | None = None
    for _ in range(10):
        page = await _page(asker, cursor, limit=1)
        walked.extend(page.changes)
        cursor = page.next_cursor
        if not page.has_more and not page.changes:
            break
        assert len(page.changes) == 1
    assert walked == everything.changes
    # The end of the feed keeps its cursor, so a node can poll it.
    assert (await _page(asker, cursor)).next_cursor == cursor


async def test_an_invalid_cursor_is_refused(asker: RegistryClient) -> None:
    for cursor in ("not-a-cursor", encode_cursor(1, 2).replace("d", "e"), "djIuMS4y", encode_cursor(2**70, 1)):
        assert await refusal(asker.request("GET", f"/v1/changes?cursor={cursor}", ChangePage)) == (
            422,
            "cursor_invalid",
        ), cursor


async def test_a_library_never_sees_patrons_it_is_not_linked_to(
    asker: RegistryClient, sandnes: RegistryClient, register: Register
) -> None:
    own = await register(asker)
    await register(sandnes)
    page = await _page(asker)
    assert {change.patron_id for change in page.changes} == {own.record.patron_id}
    sandnes_page = await _page(sandnes)
    assert len(sandnes_page.changes) == 1
    assert sandnes_page.changes[0].patron_id != own.record.patron_id


async def test_opt_out_sends_a_tombstone_to_every_linked_library(
    asker: RegistryClient, sandnes: RegistryClient, oslo: RegistryClient, register: Register
) -> None:
    patron = await register(asker)
    patron_id = patron.record.patron_id
    # The patron is present for each link and the opt-out (issue 9: card and PIN needed).
    present = card_and_pin(patron.record.card_number, GOOD_PIN)
    await sandnes.link(patron_id, present)
    await oslo.link(patron_id, present)
    cursors = {client.library_id: (await _page(client)).next_cursor for client in (asker, sandnes, oslo)}

    await sandnes.opt_out(patron_id, present)

    for client in (asker, sandnes, oslo):
        page = await _page(client, cursors[client.library_id])
        assert _summary(page.changes) == [(patron_id, "opted_out", None)], client.library_id


async def test_a_change_that_commits_late_is_not_skipped(
    asker: RegistryClient, raw: RawApi, register: Register, db: asyncpg.Connection
) -> None:
    patron = await register(asker)
    patron_id = patron.record.patron_id
    cursor = (await _page(asker)).next_cursor

    late = db.transaction()
    await late.start()
    try:
        await db.execute(
            "INSERT INTO change_feed (library_id, patron_id, change, patron_version) "
            "VALUES ('asker', $1, 'updated', 99)",
            patron_id,
        )
        answer = await raw.call(
            "asker", "PATCH", f"/v1/patrons/{patron_id}", json={"name": "Sen Endring"}, headers={"If-Match": '"1"'}
        )
        assert answer.status == 200
        # The update committed, but handing it out now would move the cursor past the open transaction's row.
        held_back = await _page(asker, cursor)
        assert held_back.changes == []
        assert held_back.next_cursor == cursor
    finally:
        await late.commit()

    page = await _page(asker, cursor)
    assert _summary(page.changes) == [(patron_id, "updated", 99), (patron_id, "updated", 2)]


async def test_the_page_is_exactly_the_contracts_document(
    asker: RegistryClient, raw: RawApi, register: Register
) -> None:
    """The registry encodes the page itself (not through the model): the document must still be ChangePage's,
    with no extra or missing keys, a cursor that continues, and times that keep their time zone."""
    first = await register(asker)
    await register(asker)
    answer = await raw.call("asker", "GET", "/v1/changes?limit=1")
    assert answer.status == 200
    assert answer.headers["Content-Type"].startswith("application/json")
    document = json.loads(answer.text)
    assert set(document) == set(ChangePage.model_fields)
    assert [set(change) for change in document["changes"]] == [set(Change.model_fields)]
    page = ChangePage.model_validate(document)
    assert _summary(page.changes) == [(first.record.patron_id, "registered", 1)]
    assert page.has_more is True
    assert page.changes[0].occurred_at.utcoffset() == dt.timedelta(0)
    rest = await _page(asker, page.next_cursor)
    assert [change.patron_id for change in rest.changes] != [first.record.patron_id]
    assert len(rest.changes) == 1
