"""Malformed requests get a 4xx problem+json with a stable code, never a 500 and never a partial write."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import asyncpg

from registry_contract.client import RegistryClient
from tests.registry.conftest import RawApi, Register


async def test_malformed_requests_are_refused_cleanly(
    asker: RegistryClient, raw: RawApi, register: Register, db: asyncpg.Connection
) -> None:
    patron = await register(asker)
    patron_id = patron.record.patron_id
    json_type = {"Content-Type": "application/json"}
    write = json_type | {"Idempotency-Key": str(uuid.uuid4())}
    cases: list[tuple[str, str, dict[str, Any]]] = [
        ("POST", "/v1/patrons", {"data": "{not json", "headers": write}),
        ("POST", "/v1/patrons", {"data": "[]", "headers": write}),
        ("POST", "/v1/patrons", {"data": "null", "headers": write}),
        ("POST", "/v1/patrons", {"data": '{"national_id": 12345678901}', "headers": write}),
        ("POST", "/v1/patrons", {"data": "national_id=1", "headers": {"Content-Type": "text/plain"}}),
        ("POST", "/v1/patrons", {"json": {"name": ["x"], "pin": 4821, "national_id": None}, "headers": write}),
        ("POST", "/v1/patrons/lookup", {"data": b"\xff\xfe\x00", "headers": json_type}),
        ("POST", "/v1/patrons/lookup", {"json": {"national_id": "1" * 500}}),
        ("POST", "/v1/patrons/authenticate", {"json": {"card_number": "1" * 10, "pin": "4821"}}),
        ("POST", "/v1/patrons/authenticate", {"json": {"card_number": 10**40, "pin": 10**40}}),
        ("POST", "/v1/patrons/authenticate", {"json": {"card_number": patron.record.card_number, "pin": "x" * 100}}),
        ("GET", "/v1/patrons/by-card/abc", {}),
        ("GET", "/v1/patrons/by-card/0000000000", {}),
        ("GET", "/v1/patrons/by-card/" + "9" * 30, {}),
        ("GET", "/v1/patrons/not-a-uuid", {}),
        ("GET", f"/v1/patrons/{patron_id}", {"headers": {"Natreg-Purpose": "x" * 300}}),
        ("PATCH", f"/v1/patrons/{patron_id}", {"json": {"name": "A B"}, "headers": {"If-Match": '"' + "9" * 40 + '"'}}),
        ("PATCH", f"/v1/patrons/{patron_id}", {"json": {"addresses": [{"lines": []}]}, "headers": {"If-Match": '"1"'}}),
        ("PATCH", f"/v1/patrons/{patron_id}", {"json": {"phone_numbers": [1e308]}, "headers": {"If-Match": '"1"'}}),
        (
            "PATCH",
            "/v1/patrons/00000000-0000-0000-0000-00000000000g",
            {"json": {"name": "A"}, "headers": {"If-Match": '"1"'}},
        ),
        ("POST", f"/v1/patrons/{patron_id}/lost-card", {"headers": {"If-Match": "W/"}}),
        ("PUT", f"/v1/patrons/{patron_id}/pin", {"json": {"new_pin": "٤٨٢١"}}),
        ("PUT", f"/v1/patrons/{patron_id}/home-library", {"json": {"library_id": "../etc"}}),
        ("POST", f"/v1/patrons/{patron_id}/erasure-requests", {"json": {"kind": None}}),
        ("GET", "/v1/changes?limit=99999999999999999999999", {}),
        ("GET", "/v1/changes?limit=0", {}),
        ("GET", "/v1/changes?limit=ten", {}),
        ("GET", "/v1/changes?cursor=" + "A" * 190, {}),
        ("GET", "/v1/changes?unknown=1", {}),
        ("DELETE", "/v1/patrons", {}),
    ]
    for method, path, options in cases:
        answer = await raw.call("asker", method, path, **options)
        assert 400 <= answer.status < 500, (method, path, answer.status, answer.text)
        assert answer.headers["Content-Type"].startswith("application/problem+json"), (method, path)
        assert answer.json["status"] == answer.status
        assert isinstance(answer.code, str)
        assert answer.code, (method, path)

    assert await db.fetchval("SELECT count(*) FROM patrons") == 1
    assert await db.fetchval("SELECT version FROM patrons") == 1


CONTROL_CHARACTERS = ["\x00", "\x07", "\t", "\n", "\x1b", "\x7f", "\x85", "\x9b"]


async def test_control_characters_in_any_text_field_are_refused_with_one_code(
    raw: RawApi, register: Register, asker: RegistryClient, db: asyncpg.Connection, national_ids: Iterator[str]
) -> None:
    patron = await register(asker)
    patron_id = patron.record.patron_id
    body = patron.request.model_dump(mode="json") | {"national_id": next(national_ids)}
    address = body["addresses"][0]
    bodies: list[tuple[str, str, dict[str, Any]]] = []
    for character in CONTROL_CHARACTERS:
        bodies += [
            ("POST", "/v1/patrons", body | {"name": f"Kari{character}Nordmann"}),
            ("POST", "/v1/patrons", body | {"addresses": [address | {"lines": [f"Vei 1{character}"]}]}),
            ("POST", "/v1/patrons", body | {"addresses": [address | {"city": f"Asker{character}"}]}),
            ("POST", "/v1/patrons", body | {"email": f"kari{character}@example.org"}),
            ("POST", "/v1/patrons/lookup", {"national_id": f"{patron.national_id}{character}"}),
            ("POST", "/v1/patrons/authenticate", {"card_number": patron.record.card_number, "pin": f"48{character}1"}),
            ("PATCH", f"/v1/patrons/{patron_id}", {"name": f"Ny{character}Navn"}),
        ]
    for method, path, json_body in bodies:
        headers = {"Idempotency-Key": str(uuid.uuid4()), "If-Match": '"1"'}
        answer = await raw.call("asker", method, path, json=json_body, headers=headers)
        assert answer.status == 422, (method, path, json_body, answer.status, answer.text)
        assert answer.headers["Content-Type"].startswith("application/problem+json")
        assert answer.code == "control_character", answer.text
        assert "control_character" in {error["type"] for error in answer.json["errors"]}
        assert "\\u0000" not in answer.text

    answer = await raw.call("asker", "GET", "/v1/changes?cursor=a%00b")
    assert (answer.status, answer.code) == (422, "control_character")
    assert await db.fetchval("SELECT count(*) FROM patrons") == 1
    assert await db.fetchval("SELECT version FROM patrons") == 1
