"""Malformed requests get a 4xx problem+json with a stable code, never a 500 and never a partial write."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from registry.client import RegistryClient
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
