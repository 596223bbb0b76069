"""Lending on a national card at the desk: the lost-card window is closed, and Asker asks for the PIN."""

from __future__ import annotations

from local_library import app_keys
from registry.app import RunningRegistry
from tests.national.conftest import Node, NodeFactory
from tests.national.test_national_flows import PIN, _adult_registration


async def _desk_lend(node: Node, card: str, barcode: str, pin: str | None = None) -> tuple[int, dict[str, object]]:
    body = {"card_number": card, "barcode": barcode} | ({"pin": pin} if pin is not None else {})
    status, answer = await node.call("POST", "/api/staff/checkouts", body)
    return status, answer


async def test_a_card_reported_lost_elsewhere_stops_lending_here_at_once(
    registry: RunningRegistry, start_node: NodeFactory
) -> None:
    asker = await start_node("asker", registry.api_url)
    sandnes = await start_node("sandnes", registry.api_url)  # its feed sync is off: nothing arrives by the feed
    _, registered = await _adult_registration(asker, seed=41)
    old_card = registered["patron"]["card_number"]
    await sandnes.ok("POST", "/api/staff/national-patrons/link", {"card_number": old_card, "pin": PIN})

    await asker.ok("POST", "/api/staff/registry-sync")  # Asker learns the link (a new version) first
    replaced = await asker.ok("POST", f"/api/staff/patrons/{registered['patron']['patron_id']}/national-lost-card")
    assert replaced["patron"]["card_number"] != old_card

    # Sandnes has not synced, yet its desk refuses the old number: the card was checked with the registry.
    status, refused = await _desk_lend(sandnes, old_card, "SANDNES-1")
    assert (status, refused["code"]) == (410, "card_replaced")

    # Asker's own rules: every patron gives the PIN at the desk, and the card is checked at the registry with it.
    new_card = replaced["patron"]["card_number"]
    status, refused = await _desk_lend(asker, new_card, "ASKER-1")
    assert (status, refused["code"]) == (422, "pin_required")
    status, refused = await _desk_lend(asker, new_card, "ASKER-1", pin="9071")
    assert (status, refused["code"]) == (403, "pin_invalid")
    status, refused = await _desk_lend(asker, old_card, "ASKER-1", pin=PIN)
    assert (status, refused["code"]) == (410, "card_replaced")
    status, loan = await _desk_lend(asker, new_card, "ASKER-1", pin=PIN)
    assert status == 201, loan


async def test_without_the_registry_the_desk_lends_only_on_a_fresh_feed(
    registry: RunningRegistry, start_node: NodeFactory
) -> None:
    asker = await start_node("asker", registry.api_url)
    sandnes = await start_node("sandnes", registry.api_url)
    _, registered = await _adult_registration(asker, seed=43)
    card = registered["patron"]["card_number"]
    await sandnes.ok("POST", "/api/staff/national-patrons/link", {"card_number": card, "pin": PIN})
    await sandnes.ok("POST", "/api/staff/registry-sync")  # the feed followed just now

    await registry.stop()
    pool = sandnes.library.runner.app[app_keys.POOL]
    # Fed an hour ago: beyond Sandnes's default 15 minutes, so the desk cannot know the card is still good.
    await pool.execute("UPDATE registry_feed_position SET updated_at = now() - interval '1 hour'")
    status, refused = await _desk_lend(sandnes, card, "SANDNES-1")
    assert (status, refused["code"]) == (503, "registry_unavailable")

    # Fed five minutes ago: within the bound, the desk keeps working while the registry is away.
    await pool.execute("UPDATE registry_feed_position SET updated_at = now() - interval '5 minutes'")
    status, loan = await _desk_lend(sandnes, card, "SANDNES-1")
    assert status == 201, loan
