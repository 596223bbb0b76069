"""Asker: the notice before the due date is asked for "når du er i biblioteket": staff set it on the patron page,
with the preferred contact method, and can take it away again."""

from __future__ import annotations

from tests.desk.conftest import DESK_PASSWORD, Staff
from tests.desk.patron_desk import logged_in
from tests.desk.test_desk_patrons import ADULT
from tests.minside.conftest import Node


async def test_staff_set_the_pre_due_notice_and_the_contact_method(node: Node, staff: Staff) -> None:
    desk = await logged_in(node.client(), staff.desk, DESK_PASSWORD)
    try:
        registered = await desk.post("/staff/patrons/new/local", ADULT)
        patron_id = registered.patron_id
        path = f"/staff/patrons/{patron_id}/choices"
        assert f'href="{path}?lang=nb">Varsel før forfall og kontaktmåte</a>' in registered.page
        form = await desk.get(f"{path}?lang=nb")
        assert "E-post 3 dager før innleveringsfristen" in form.page

        saved = await desk.post(path, {"pre_due_notice_shown": "yes", "pre_due_notice": "yes",
                                       "preferred_contact": "email"})  # fmt: skip
        assert "Lånerens valg er lagret." in saved.page
        async with node.pool.acquire() as conn:
            assert await conn.fetchval("SELECT pre_due_notice FROM patrons WHERE patron_id = $1", patron_id)
        # Unticked: the box is not posted, the hidden field says it was on the form.
        await desk.post(path, {"pre_due_notice_shown": "yes", "preferred_contact": "email"})
        async with node.pool.acquire() as conn:
            assert not await conn.fetchval("SELECT pre_due_notice FROM patrons WHERE patron_id = $1", patron_id)
    finally:
        await desk.client.close()
