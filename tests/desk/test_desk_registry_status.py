"""The desk's registry status page over real HTTPS: reachability, queued and refused changes, retry and
discard (admins only, discard after a confirmation). The node's registry is unreachable here."""

from __future__ import annotations

from local_library import app_keys
from local_library.registry_link.outbox import enqueue
from tests.desk.conftest import ADMIN_PASSWORD, DESK_PASSWORD, Staff, csrf_of, desk_log_in
from tests.minside.conftest import Node, Shelf


async def _entries(node: Node, shelf: Shelf) -> tuple[int, int, int]:
    """A queued change, and two refused ones waiting for staff (as the outbox leaves them after a refusal)."""
    cipher = node.app[app_keys.REGISTRY_LINK].cipher
    async with node.pool.acquire() as conn:
        for operation, patron in (("update_contact", shelf.patron), ("deletion_request", shelf.other),
                                  ("death_notice", shelf.other)):  # fmt: skip
            await enqueue(conn, cipher, operation, patron.patron_id, {"note": "test"})
        ids = [row["outbox_id"] for row in await conn.fetch("SELECT outbox_id FROM registry_outbox ORDER BY 1")]
        await conn.execute(
            "UPDATE registry_outbox SET status = 'needs_staff', attempts = 1, last_error = $2"
            " WHERE outbox_id = ANY($1::bigint[])",
            ids[1:],
            "correction_conflict",
        )
    return ids[0], ids[1], ids[2]


async def _status(node: Node, outbox_id: int) -> str:
    async with node.pool.acquire() as conn:
        return str(await conn.fetchval("SELECT status FROM registry_outbox WHERE outbox_id = $1", outbox_id))


async def test_desk_staff_see_the_queue_and_refusals_but_cannot_release_them(
    node: Node, staff: Staff, shelf: Shelf
) -> None:
    queued, refused, _ = await _entries(node, shelf)
    async with node.client() as client:
        await desk_log_in(client, staff.desk, DESK_PASSWORD)
        async with client.get("/staff/registry") as response:
            page = await response.text()
        assert "Registeret kan ikke nås akkurat nå (registeret svarte ikke)" in page
        assert "registeret har nyere opplysninger enn endringen bygger på" in page
        assert "Sletteanmodning" in page
        assert "Endret kontaktinformasjon" in page
        assert "Ola Annen" in page
        assert "Bare administrator" in page
        assert f"/staff/registry/outbox/{refused}/retry" not in page
        form = {"csrf": csrf_of(page), "lang": "nb"}
        async with client.post(f"/staff/registry/outbox/{refused}/retry", data=form) as forbidden:
            assert forbidden.status == 403
            assert "administratorrollen" in await forbidden.text()
    assert await _status(node, refused) == "needs_staff"
    assert await _status(node, queued) == "pending"


async def test_an_admin_retries_one_and_discards_another_after_confirming(
    node: Node, staff: Staff, shelf: Shelf
) -> None:
    queued, retried, discarded = await _entries(node, shelf)
    async with node.client() as client:
        await desk_log_in(client, staff.admin, ADMIN_PASSWORD, lang="en")
        async with client.get("/staff/registry") as response:
            page = await response.text()
        form = {"csrf": csrf_of(page), "lang": "en"}
        async with client.post(f"/staff/registry/outbox/{retried}/retry", data=form) as response:
            assert f"Change no. {retried} will be sent again." in await response.text()
        assert await _status(node, retried) == "pending"
        async with client.post(f"/staff/registry/outbox/{discarded}/discard", data=form) as confirm:
            text = await confirm.text()
            assert f"Discard change no. {discarded}?" in text
            assert "Death notice for Ola Annen" in text
        assert await _status(node, discarded) == "needs_staff"  # nothing happens before the confirmation
        async with client.post(
            f"/staff/registry/outbox/{discarded}/discard", data={**form, "confirm": "yes"}
        ) as response:
            assert f"Change no. {discarded} is discarded." in await response.text()
        assert await _status(node, discarded) == "discarded"
        async with client.post(f"/staff/registry/outbox/{queued}/retry", data=form) as response:
            assert "Not done: the change no longer waits for staff" in await response.text()
    assert await _status(node, queued) == "pending"
