"""Staff record a patron's unstaffed-hours (meråpent) agreement on the desk's patron page, and withdraw it."""

from __future__ import annotations

from tests.desk.conftest import DESK_PASSWORD, Staff
from tests.desk.patron_desk import logged_in
from tests.desk.test_desk_patrons import ADULT
from tests.minside.conftest import Node


async def test_the_agreement_is_recorded_with_its_date_and_withdrawn(node: Node, staff: Staff) -> None:
    desk = await logged_in(node.client(), staff.desk, DESK_PASSWORD)
    try:
        registered = await desk.post("/staff/patrons/new/local", ADULT)
        patron_id = registered.patron_id
        path = f"/staff/patrons/{patron_id}/door-agreement"
        assert f'href="{path}?lang=nb">Avtale om meråpent</a>' in registered.page  # Asker offers unstaffed hours

        form = await desk.get(f"{path}?lang=nb")
        assert "Nå: ingen avtale." in form.page
        assert '<label for="signed_on">Signert dato</label>' in form.page

        garbled = await desk.post(path, {"signed_on": "17. mai"})
        assert garbled.status == 422
        assert garbled.field_error("signed_on") == "Skriv datoen som ÅÅÅÅ-MM-DD."
        future = await desk.post(path, {"signed_on": "2099-01-01"})
        assert future.field_error("signed_on") == "Avtalen kan ikke være signert fram i tid."
        async with node.pool.acquire() as conn:
            assert await conn.fetchval("SELECT count(*) FROM door_agreements") == 0

        signed_on = node.clock.today().isoformat()
        recorded = await desk.post(path, {"signed_on": signed_on})
        assert recorded.path == f"/staff/patrons/{patron_id}"
        assert "Avtalen om meråpent er registrert." in recorded.page
        async with node.pool.acquire() as conn:
            row = await conn.fetchrow("SELECT signed_on, recorded_by FROM door_agreements")
        assert (row["signed_on"].isoformat(), row["recorded_by"]) == (signed_on, staff.desk)

        again = await desk.get(f"{path}?lang=en")
        assert "Record the date on the signed unstaffed-hours agreement. Now: " in again.page
        withdrawn = await desk.post(path, {"withdraw": "yes"})
        assert "Avtalen om meråpent er trukket tilbake." in withdrawn.page
        async with node.pool.acquire() as conn:
            assert await conn.fetchval("SELECT count(*) FROM door_agreements") == 0
    finally:
        await desk.client.close()
