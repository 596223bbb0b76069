"""Min side's forms refuse control characters with the same problem code as every API of both services."""

from __future__ import annotations

import pytest

from tests.library.conftest import GOOD_PIN
from tests.minside.conftest import Node, Shelf
from tests.minside.test_minside_http import csrf_of


@pytest.mark.parametrize("character", ["\x00", "\n", "\x1b", "\x85"])
async def test_the_login_form_refuses_control_characters_before_any_pin_check(
    node: Node, shelf: Shelf, character: str
) -> None:
    async with node.client() as client:
        async with client.get("/minside?lang=en") as start:
            token = csrf_of(await start.text())
        for form in (
            {"csrf": token, "lang": "en", "card_number": shelf.card_number + character, "pin": GOOD_PIN},
            {"csrf": token, "lang": "en", "card_number": shelf.card_number, "pin": GOOD_PIN + character},
            {"csrf": token + character, "lang": "en", "card_number": shelf.card_number, "pin": GOOD_PIN},
        ):
            async with client.post("/minside/login", data=form) as response:
                assert response.status == 422
                assert response.content_type == "application/problem+json"
                problem = await response.json(content_type=None)
                assert problem["code"] == "control_character"
                assert {error["type"] for error in problem["errors"]} == {"control_character"}
    failures = await node.pool.fetchval(
        "SELECT failed_pin_attempts FROM patrons WHERE card_number = $1", shelf.card_number
    )
    assert failures == 0


async def test_a_form_that_is_not_utf8_is_refused_not_a_500(node: Node) -> None:
    async with node.client() as client:
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        async with client.post("/minside/login", data=b"card_number=\xff\xfe&pin=1", headers=form) as response:
            assert response.status == 422
            assert (await response.json(content_type=None))["code"] == "form_encoding"
