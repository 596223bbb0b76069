"""At the desk, linking a national card holder and opting one out need the patron's national PIN (issue 9 §4)."""

from __future__ import annotations

import asyncpg

from registry.app import RunningRegistry
from registry_contract.card_number import parse_card_number
from tests.national.conftest import NodeFactory
from tests.national.test_national_flows import PIN, _adult_registration

WRONG_PIN = "5062"


async def _registry_row(database_url: str, card_number: str) -> tuple[list[str], int] | None:
    """(linked libraries, failed PIN attempts) of the patron holding the card at the registry, if any."""
    connection = await asyncpg.connect(database_url)
    try:
        row = await connection.fetchrow(
            """
            SELECT array(SELECT library_id FROM patron_libraries l WHERE l.patron_id = p.patron_id
                         ORDER BY library_id) AS libraries, pin_failed_attempts
            FROM patrons p WHERE card_serial = $1
            """,
            parse_card_number(card_number),
        )
    finally:
        await connection.close()
    return None if row is None else (list(row["libraries"]), row["pin_failed_attempts"])


async def test_a_desk_links_a_national_card_holder_only_with_their_pin(
    registry: RunningRegistry, start_node: NodeFactory, registry_database_url: str
) -> None:
    asker = await start_node("asker", registry.api_url)
    sandnes = await start_node("sandnes", registry.api_url)
    _, registered = await _adult_registration(asker, seed=31)
    card = registered["patron"]["card_number"]

    status, without = await sandnes.call("POST", "/api/staff/national-patrons/link", {"card_number": card})
    assert status == 422, without
    status, wrong = await sandnes.call(
        "POST", "/api/staff/national-patrons/link", {"card_number": card, "pin": WRONG_PIN}
    )
    assert (status, wrong["code"]) == (403, "pin_invalid")
    # Refused at the registry, and counted there like any wrong PIN; nothing cached at Sandnes.
    assert await _registry_row(registry_database_url, card) == (["asker"], 1)
    status, _ = await sandnes.call("GET", f"/api/staff/cards/{card}")
    assert status == 404

    linked = await sandnes.ok("POST", "/api/staff/national-patrons/link", {"card_number": card, "pin": PIN})
    assert linked["card_number"] == card
    assert await _registry_row(registry_database_url, card) == (["asker", "sandnes"], 0)


async def test_an_opt_out_with_a_wrong_national_pin_changes_nothing(
    registry: RunningRegistry, start_node: NodeFactory, registry_database_url: str
) -> None:
    asker = await start_node("asker", registry.api_url)
    _, registered = await _adult_registration(asker, seed=37)
    card = registered["patron"]["card_number"]
    path = f"/api/staff/patrons/{registered['patron']['patron_id']}/opt-out"

    status, missing = await asker.call("POST", path, {"pin": "3917"})
    assert status == 422, missing
    status, wrong = await asker.call("POST", path, {"pin": "3917", "national_pin": WRONG_PIN})
    assert (status, wrong["code"]) == (403, "pin_invalid")
    # Neither here nor at the registry has anything changed, and nothing is queued to erase the record later.
    account = await asker.ok("GET", f"/api/staff/cards/{card}")
    assert account["kind"] == "national"
    assert await _registry_row(registry_database_url, card) == (["asker"], 1)
    outbox = await asker.ok("GET", "/api/staff/registry-outbox")
    assert [entry["operation"] for entry in outbox] == ["register"]

    opted = await asker.ok("POST", path, {"pin": "3917", "national_pin": PIN})
    assert (opted["registry"], opted["patron"]["kind"]) == ("done", "local")
    assert await _registry_row(registry_database_url, card) is None
