"""Hostile input at the node's staff API: a 4xx problem+json with a stable code, never a 500, never a write."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from local_library import app_keys
from local_library.app import create_app
from local_library.clock import FixedClock
from tests.library.test_staff_api import (
    ADMIN_PASSWORD,
    AiohttpClient,
    Client,
    call,
    client,
    node_settings,
    staff_tokens,
)

__all__ = ["client"]  # the staff API fixture, shared with test_staff_api

CONTROL_CHARACTERS = ["\x00", "\x01", "\t", "\n", "\x1b", "\x7f", "\x85", "\x9f"]
PERSON = {
    "name": "Kari Nordmann",
    "birth_date": "1980-05-17",
    "email": "kari@example.org",
    "preferred_contact": "email",
}
NATIONAL = {
    "national_id": "01810012345",
    "pin": "4831",
    "name": "Kari Nordmann",
    "email": "kari@example.org",
    "preferred_contact": "email",
}


def _bodies(character: str, patron_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    guardian = {"name": f"Ola{character}Nordmann", "contact": "ola@example.org"}
    return [
        ("POST", "/api/staff/patrons", PERSON | {"name": f"Kari{character}Nordmann"}),
        ("POST", "/api/staff/patrons", PERSON | {"email": f"kari{character}@example.org"}),
        ("POST", "/api/staff/patrons", PERSON | {"pin": f"48{character}31"}),
        ("POST", "/api/staff/patrons", PERSON | {"birth_date": "2015-01-01", "guardian": guardian}),
        (
            "POST",
            "/api/staff/institutions",
            {
                "institution_name": f"Sol{character}sikken",
                "responsible_person": "Ola Nordmann",
                "postal_address": "Postboks 1",
                "preferred_contact": "letter",
            },
        ),
        (
            "POST",
            "/api/staff/items",
            {"barcode": "A-1", "title": f"Sult{character}", "material": "book", "audience": "adult"},
        ),
        ("POST", "/api/staff/checkouts", {"card_number": f"L{character}1", "barcode": "A-1"}),
        ("POST", "/api/staff/kiosk/checkouts", {"card_number": "L1", "barcode": "A-1", "pin": f"1{character}"}),
        ("POST", "/api/staff/returns", {"barcode": f"A-1{character}"}),
        ("POST", "/api/staff/accounts", {"username": f"desk{character}2", "password": "a" * 20, "role": "desk"}),
        ("POST", "/api/staff/accounts", {"username": "desk2", "password": f"{'a' * 20}{character}", "role": "desk"}),
        (
            "PUT",
            f"/api/staff/patrons/{patron_id}/contact",
            {"email": f"x{character}@example.org", "preferred_contact": "email"},
        ),
        ("PUT", f"/api/staff/patrons/{patron_id}/pin", {"pin": f"{character}4831"}),
        ("POST", "/api/staff/national-patrons", NATIONAL | {"name": f"Kari{character}Nordmann"}),
        ("POST", "/api/staff/national-patrons/link", {"card_number": f"12345{character}6789"}),
        ("PATCH", f"/api/staff/patrons/{patron_id}/national-contact", {"name": f"Ny{character}"}),
    ]


async def test_control_characters_are_refused_in_every_staff_field(client: tuple[Client, FixedClock]) -> None:
    api, _ = client
    admin, _ = await staff_tokens(api)
    patron = await call(api, "POST", "/api/staff/patrons", token=admin, json=PERSON, expect=201)
    pool = api.app[app_keys.POOL]
    before = await pool.fetchval("SELECT count(*) FROM patrons"), await pool.fetchval("SELECT count(*) FROM items")
    for character in CONTROL_CHARACTERS:
        for method, path, body in _bodies(character, patron["patron_id"]):
            refused = await call(api, method, path, token=admin, json=body, expect=422)
            assert refused["code"] == "control_character", (path, body, refused)
            assert "control_character" in {error["type"] for error in refused["errors"]}
    counts = await pool.fetchval("SELECT count(*) FROM patrons"), await pool.fetchval("SELECT count(*) FROM items")
    assert counts == before
    assert await pool.fetchval("SELECT count(*) FROM staff_accounts") == 2  # admin and desk1


async def test_a_postal_address_may_span_lines_but_holds_no_other_control_character(
    client: tuple[Client, FixedClock],
) -> None:
    api, _ = client
    _, desk = await staff_tokens(api)
    letter = PERSON | {"preferred_contact": "letter", "postal_address": "Granittveien 3\r\n1384 Asker\tNorge"}
    created = await call(api, "POST", "/api/staff/patrons", token=desk, json=letter, expect=201)
    assert created["postal_address"] == letter["postal_address"]
    nul = letter | {"postal_address": "Granittveien 3\n\x001384 Asker"}
    refused = await call(api, "POST", "/api/staff/patrons", token=desk, json=nul, expect=422)
    assert refused["code"] == "control_character"


@pytest.mark.parametrize("character", ["\x00", "\n", "\x85"])
async def test_the_unauthenticated_login_refuses_control_characters(
    client: tuple[Client, FixedClock], character: str
) -> None:
    api, _ = client
    for body in (
        {"username": f"admin{character}", "password": ADMIN_PASSWORD},
        {"username": "admin", "password": f"{ADMIN_PASSWORD}{character}"},
    ):
        refused = await call(api, "POST", "/api/staff/login", json=body, expect=422)
        assert refused["code"] == "control_character"


async def test_path_parameters_out_of_range_or_with_control_characters(client: tuple[Client, FixedClock]) -> None:
    api, _ = client
    _, desk = await staff_tokens(api)
    huge = "99999999999999999999"
    for method, path, body in [
        ("POST", f"/api/staff/loans/{huge}/renew", None),
        ("POST", f"/api/staff/loans/{2**63}/renew", None),
        ("POST", f"/api/staff/loans/{'9' * 5000}/renew", None),
        ("POST", "/api/staff/loans/-1/renew", None),
        ("POST", "/api/staff/loans/%EF%BC%91/renew", None),  # a full-width digit one
        ("DELETE", f"/api/staff/reservations/{huge}", None),
        ("PUT", f"/api/staff/fees/{huge}/status", {"status": "paid"}),
        ("GET", f"/api/staff/patrons/{uuid.uuid4()}0", None),
    ]:
        refused = await call(api, method, path, token=desk, json=body, expect=404)
        assert refused["code"] == "not_found", (path, refused)
    assert (await call(api, "POST", f"/api/staff/loans/{2**63 - 1}/renew", token=desk, expect=404))["code"] == (
        "loan_not_found"
    )
    for path in ("/api/staff/cards/L%001", "/api/staff/items/A%00", "/api/staff/cards/L1?x=%00"):
        refused = await call(api, "GET", path, token=desk, expect=422)
        assert refused["code"] == "control_character"
        assert [error["type"] for error in refused["errors"]] == ["control_character"]


async def _unique_violation_with_the_card_number(request: web.Request) -> web.Response:
    """A real database error whose text carries a value: ``DETAIL: Key (card)=(<card number>)``."""
    async with request.app[app_keys.POOL].acquire() as conn:
        await conn.execute("CREATE TEMP TABLE forced (card text UNIQUE)")
        for _ in range(2):
            await conn.execute("INSERT INTO forced (card) VALUES ($1)", request.match_info["card_number"])
    return web.Response()


async def test_an_unhandled_error_is_logged_by_route_pattern_without_values(
    aiohttp_client: AiohttpClient, library_database_url: str, keys_dir: Path, tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    app = create_app(node_settings("asker", library_database_url, keys_dir, tmp_path))
    app.router.add_get("/forced-error/cards/{card_number}", _unique_violation_with_the_card_number)
    api = await aiohttp_client(app)
    card_number = "L90417263"
    async with api.get(f"/forced-error/cards/{card_number}") as response:
        assert response.status == 500
        assert (await response.json(content_type=None))["code"] == "internal_error"
    logged = "\n".join(record.getMessage() + str(record.exc_info or "") for record in caplog.records)
    assert "/forced-error/cards/{card_number}" in logged
    assert "UniqueViolationError" in logged
    assert "sqlstate=23505" in logged
    assert card_number not in caplog.text
    assert card_number not in logged
    assert "DETAIL" not in caplog.text


async def test_a_catalogue_row_with_a_control_character_is_a_row_problem(client: tuple[Client, FixedClock]) -> None:
    api, _ = client
    admin, _ = await staff_tokens(api)
    csv = "barcode,title,material,audience,purchase_price_ore\nA-1,Sult\x00,book,adult,100\nA-2,Sult,book,adult,100\n"
    headers = {"Authorization": f"Bearer {admin}", "Content-Type": "text/csv"}
    async with api.post("/api/staff/items/import", data=csv.encode(), headers=headers) as response:
        assert response.status == 200
        report = await response.json()
    assert report["added"] == 1
    assert [(problem["line"], "control characters" in problem["message"]) for problem in report["problems"]] == [
        (2, True)
    ]
