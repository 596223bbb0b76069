"""Min side's "my data" page shows the patron their own door log-ins in unstaffed hours, and only theirs."""

from __future__ import annotations

from datetime import date, datetime

from local_library import app_keys
from local_library.meraapent import check_door_access
from local_library.meraapent.queries import record_agreement
from tests.library.conftest import GOOD_PIN, OSLO
from tests.minside.conftest import Node, Shelf
from tests.minside.test_minside_http import log_in


async def test_my_data_lists_my_own_door_entries(node: Node, shelf: Shelf) -> None:
    checks = node.app[app_keys.DOOR_CHECKS]
    async with node.pool.acquire() as conn:
        await record_agreement(conn, shelf.patron.patron_id, date(2025, 2, 1), "desk1", node.clock.now())
    before = node.clock.now()
    node.clock.advance(seconds=(datetime(2025, 3, 4, 7, 15, tzinfo=OSLO) - before).total_seconds())
    assert (await check_door_access(checks, door="hovedinngang", card_number=shelf.card_number, pin=GOOD_PIN)).admit
    assert shelf.other.card_number is not None
    # Someone else's entry (refused: no agreement) must not show on this patron's page.
    other = await check_door_access(checks, door="sideinngang", card_number=shelf.other.card_number, pin=GOOD_PIN)
    assert other.reason == "no_agreement"
    node.clock.advance(seconds=(before - node.clock.now()).total_seconds() + 3600 * 24)

    async with node.client() as client:
        assert (await log_in(client, shelf.card_number, GOOD_PIN)).status == 200
        async with client.get("/minside/my-data?lang=nb") as response:
            page = await response.text()
        async with client.get("/minside/my-data?lang=en") as response:
            english = await response.text()
    assert "<h2>Innlogginger på døren i meråpen tid</h2>" in page
    assert "hovedinngang" in page
    assert "Velkommen inn." in page
    assert "04.03.2025 07:15" in page
    assert "sideinngang" not in page
    assert "Vi tar vare på hvem som logget seg inn i 30 dager." in page
    assert "Door log-ins in unstaffed hours" in english
    assert "Welcome in." in english
