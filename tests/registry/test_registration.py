"""Registering a national patron: derived fields, idempotency, the stable conflict code, and refusals."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg

from registry_contract.card_number import parse_card_number
from registry_contract.client import RegistryClient
from registry_contract.models import NationalIdLookup, PatronRecord
from registry_contract.national_id import generate_synthetic_national_id, parse_national_id
from tests.registry.conftest import GOOD_PIN, RawApi, Register, patron_body, refusal
from tests.servers import registry_client, run_registry


def _with_bad_check_digit(national_id: str) -> str:
    return national_id[:10] + str((int(national_id[10]) + 1) % 10)


async def test_registration_derives_fields_and_issues_a_card(
    raw: RawApi, db: asyncpg.Connection, national_ids: Iterator[str]
) -> None:
    national_id = next(national_ids)
    body = patron_body(national_id, 1).model_dump(mode="json")
    answer = await raw.call("asker", "POST", "/v1/patrons", json=body, headers={"Idempotency-Key": "k-1"})

    assert answer.status == 201
    record = PatronRecord.model_validate(answer.json)
    assert answer.headers["ETag"] == '"1"'
    assert answer.headers["Location"] == f"/v1/patrons/{record.patron_id}"
    assert record.version == 1
    assert len(record.card_number) == 10
    assert parse_card_number(record.card_number) >= 1000
    parsed = parse_national_id(national_id, allow_synthetic=True)
    assert (record.birth_date, record.gender) == (parsed.birth_date, parsed.gender)
    assert record.libraries == ["asker"]
    assert record.home_library == "asker"
    assert record.pin_set is True
    assert record.name == body["name"]
    assert "national_id" not in answer.json
    assert national_id not in answer.text
    assert await db.fetchval("SELECT count(*) FROM patrons") == 1


async def test_replay_with_the_same_key_returns_the_same_patron(
    raw: RawApi, db: asyncpg.Connection, national_ids: Iterator[str]
) -> None:
    body = patron_body(next(national_ids), 1).model_dump(mode="json")
    headers = {"Idempotency-Key": "same-key"}
    first = await raw.call("asker", "POST", "/v1/patrons", json=body, headers=headers)
    again = await raw.call("asker", "POST", "/v1/patrons", json=body, headers=headers)

    assert (first.status, again.status) == (201, 200)
    assert again.json == first.json
    assert await db.fetchval("SELECT count(*) FROM patrons") == 1
    assert await db.fetchval("SELECT count(*) FROM change_feed WHERE change = 'registered'") == 1


async def test_same_key_with_another_body_is_refused(raw: RawApi, national_ids: Iterator[str]) -> None:
    headers = {"Idempotency-Key": "reused-key"}
    first = await raw.call(
        "asker", "POST", "/v1/patrons", json=patron_body(next(national_ids), 1).model_dump(mode="json"), headers=headers
    )
    other = await raw.call(
        "asker", "POST", "/v1/patrons", json=patron_body(next(national_ids), 2).model_dump(mode="json"), headers=headers
    )
    assert first.status == 201
    assert (other.status, other.code) == (422, "idempotency_key_reused")


async def test_the_same_key_from_another_library_is_its_own_request(raw: RawApi, national_ids: Iterator[str]) -> None:
    headers = {"Idempotency-Key": "shared-key"}
    asker = await raw.call(
        "asker", "POST", "/v1/patrons", json=patron_body(next(national_ids), 1).model_dump(mode="json"), headers=headers
    )
    sandnes = await raw.call(
        "sandnes",
        "POST",
        "/v1/patrons",
        json=patron_body(next(national_ids), 2).model_dump(mode="json"),
        headers=headers,
    )
    assert (asker.status, sandnes.status) == (201, 201)
    assert asker.json["patron_id"] != sandnes.json["patron_id"]


async def test_missing_idempotency_key_is_refused(
    raw: RawApi, db: asyncpg.Connection, national_ids: Iterator[str]
) -> None:
    answer = await raw.call(
        "asker", "POST", "/v1/patrons", json=patron_body(next(national_ids), 1).model_dump(mode="json")
    )
    assert (answer.status, answer.code) == (428, "idempotency_key_required")
    assert await db.fetchval("SELECT count(*) FROM patrons") == 0


async def test_another_library_registering_the_same_id_gets_a_bare_conflict(
    raw: RawApi, asker: RegistryClient, register: Register
) -> None:
    existing = await register(asker)
    body = patron_body(existing.national_id, 2).model_dump(mode="json")
    answer = await raw.call("sandnes", "POST", "/v1/patrons", json=body, headers={"Idempotency-Key": "s-1"})

    assert (answer.status, answer.code) == (409, "national_id_already_registered")
    assert set(answer.json) == {"type", "title", "status", "code"}
    for leaked in (str(existing.record.patron_id), existing.record.card_number, existing.record.name):
        assert leaked not in answer.text
    assert existing.national_id not in answer.text


async def test_two_libraries_registering_at_the_same_moment_make_one_patron(
    asker: RegistryClient, sandnes: RegistryClient, db: asyncpg.Connection, national_ids: Iterator[str]
) -> None:
    for round_number in range(5):
        national_id = next(national_ids)
        results = await asyncio.gather(
            *(
                client.request(
                    "POST",
                    "/v1/patrons",
                    PatronRecord,
                    body=patron_body(national_id, round_number),
                    idempotency_key=f"race-{round_number}-{client.library_id}",
                )
                for client in (asker, sandnes)
            ),
            return_exceptions=True,
        )
        winners = [result for result in results if isinstance(result, PatronRecord)]
        losers = [(getattr(result, "status", None), getattr(result, "code", None)) for result in results]
        assert len(winners) == 1, results
        assert sorted(loser for loser in losers if loser[0] is not None) == [(409, "national_id_already_registered")]
    assert await db.fetchval("SELECT count(*) FROM patrons") == 5
    assert await db.fetchval("SELECT count(*) FROM patron_libraries") == 5


async def test_a_mistyped_national_id_is_refused(
    asker: RegistryClient, db: asyncpg.Connection, national_ids: Iterator[str]
) -> None:
    body = patron_body(_with_bad_check_digit(next(national_ids)), 1)
    status_code = await refusal(asker.request("POST", "/v1/patrons", PatronRecord, body=body, idempotency_key="bad-1"))
    assert status_code == (422, "national_id_checksum")
    assert await db.fetchval("SELECT count(*) FROM patrons") == 0


async def test_unknown_field_is_refused_without_echoing_the_national_id(
    raw: RawApi, national_ids: Iterator[str]
) -> None:
    national_id = next(national_ids)
    body = patron_body(national_id, 1).model_dump(mode="json") | {"loans": ["a book"]}
    answer = await raw.call("asker", "POST", "/v1/patrons", json=body, headers={"Idempotency-Key": "u-1"})

    assert (answer.status, answer.code) == (422, "validation_failed")
    assert [error["field"] for error in answer.json["errors"]] == ["loans"]
    assert national_id not in answer.text
    assert GOOD_PIN not in answer.text


async def test_a_malformed_national_id_is_not_echoed(raw: RawApi, national_ids: Iterator[str]) -> None:
    malformed = next(national_ids)[:10] + "x"
    body = patron_body(next(national_ids), 1).model_dump(mode="json") | {"national_id": malformed}
    answer = await raw.call("asker", "POST", "/v1/patrons", json=body, headers={"Idempotency-Key": "m-1"})
    assert (answer.status, answer.code) == (422, "validation_failed")
    assert malformed not in answer.text


async def test_a_trivial_pin_is_refused(
    asker: RegistryClient, db: asyncpg.Connection, national_ids: Iterator[str]
) -> None:
    for number, pin in enumerate(("0000", "1234", "1212", "1122", "9876")):
        body = patron_body(next(national_ids), number, pin=pin)
        status_code = await refusal(
            asker.request("POST", "/v1/patrons", PatronRecord, body=body, idempotency_key=f"pin-{number}")
        )
        assert status_code == (422, "pin_too_simple")
    assert await db.fetchval("SELECT count(*) FROM patrons") == 0


async def test_an_oversized_body_is_refused(raw: RawApi, db: asyncpg.Connection, national_ids: Iterator[str]) -> None:
    body = (
        patron_body(next(national_ids), 1)
        .model_dump_json()
        .replace('"name":', '"padding":"' + "x" * 70_000 + '","name":')
    )
    answer = await raw.call(
        "asker", "POST", "/v1/patrons", data=body,
        headers={"Idempotency-Key": "big-1", "Content-Type": "application/json"},
    )  # fmt: skip
    assert (answer.status, answer.code) == (413, "body_too_large")
    assert answer.headers["Content-Type"].startswith("application/problem+json")
    assert await db.fetchval("SELECT count(*) FROM patrons") == 0


async def test_a_home_library_the_patron_is_not_linked_to_is_refused(
    asker: RegistryClient, national_ids: Iterator[str]
) -> None:
    body = patron_body(next(national_ids), 1, home_library="oslo")
    status_code = await refusal(asker.request("POST", "/v1/patrons", PatronRecord, body=body, idempotency_key="h-1"))
    assert status_code == (422, "home_library_not_linked")


async def test_synthetic_ids_are_refused_when_the_setting_is_off(registry_database_url: str, keys_dir: Path) -> None:
    running = await run_registry(
        registry_database_url, keys_dir, allow_synthetic_national_ids=False, pin_hash_time_cost=1,
        pin_hash_memory_kib=1024,
    )  # fmt: skip
    try:
        async with registry_client(running, keys_dir, "asker", retries=0) as client:
            body = patron_body(generate_synthetic_national_id(random.Random(3)), 1)
            status_code = await refusal(
                client.request("POST", "/v1/patrons", PatronRecord, body=body, idempotency_key=str(uuid.uuid4()))
            )
            lookup = await refusal(
                client.request(
                    "POST", "/v1/patrons/lookup", PatronRecord, body=NationalIdLookup(national_id=body.national_id)
                )
            )
    finally:
        await running.stop()
    assert status_code == (422, "national_id_synthetic_not_allowed")
    assert lookup == (422, "national_id_synthetic_not_allowed")


async def test_one_key_sent_twice_at_once_with_different_bodies_makes_one_patron(
    raw: RawApi, db: asyncpg.Connection, national_ids: Iterator[str]
) -> None:
    for round_number in range(3):
        headers = {"Idempotency-Key": f"doubled-{round_number}"}
        answers = await asyncio.gather(
            *(
                raw.call(
                    "asker", "POST", "/v1/patrons",
                    json=patron_body(next(national_ids), number).model_dump(mode="json"), headers=headers,
                )
                for number in range(2)
            )
        )  # fmt: skip
        assert sorted((answer.status, answer.code) for answer in answers) == [
            (201, None),
            (422, "idempotency_key_reused"),
        ]
    assert await db.fetchval("SELECT count(*) FROM patrons") == 3
