"""A library acts on a national record only with the patron present; strangers' records are not harvestable.

Issue 9 §4, tried with one library's credential: 50 sequential card numbers looked up in under a second, each
answered with the whole record; a link to a patron never seen, without a PIN, then an opt-out that erased the
record. Here: previews only until the link, a per-library lookup limit with an operator's alert, and link and
opt-out only with the patron's card and PIN.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest

from registry.app import RunningRegistry
from registry.audit.log import seal_all
from registry.crypto.keyring import KeyRing
from registry_contract.card_number import format_card_number, parse_card_number
from registry_contract.client import RegistryClient
from tests.registry.conftest import CHEAP_PINS, GOOD_PIN, WRONG_PIN, RawApi, Register, Registered
from tests.servers import run_registry

LOOKUP_LIMIT = 10
PREVIEW_FIELDS = {"patron_id", "name", "birth_date"}


@pytest.fixture
async def registry(registry_database_url: str, keys_dir: Path) -> AsyncIterator[RunningRegistry]:
    # An hour's window: the harvest below cannot straddle two windows and slip under the limit.
    running = await run_registry(
        registry_database_url, keys_dir, **CHEAP_PINS, unlinked_lookups_per_window=LOOKUP_LIMIT,
        unlinked_lookup_window_seconds=3600,
    )  # fmt: skip
    yield running
    await running.stop()


def _proof(card_number: str, pin: str) -> dict[str, Any]:
    return {"proof": {"kind": "card_and_pin", "card_number": card_number, "pin": pin}}


async def _health(registry: RunningRegistry) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session, session.get(registry.health_url) as response:
        body: dict[str, Any] = await response.json()
        return body


async def _audit(db: asyncpg.Connection, keyring: KeyRing, library_id: str) -> list[asyncpg.Record]:
    await seal_all(db, keyring.audit_key)
    return await db.fetch(
        "SELECT operation, purpose, patron_id FROM audit_log WHERE library_id = $1 ORDER BY sequence_number",
        library_id,
    )


async def _failed_pins(db: asyncpg.Connection, patron: Registered) -> int:
    failed: int = await db.fetchval(
        "SELECT pin_failed_attempts FROM patrons WHERE patron_id = $1", patron.record.patron_id
    )
    return failed


async def test_a_harvest_gets_previews_is_throttled_and_raises_an_alert(
    *, asker: RegistryClient, raw: RawApi, register: Register, registry: RunningRegistry, db: asyncpg.Connection,
    keyring: KeyRing, caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    patrons = [await register(asker) for _ in range(LOOKUP_LIMIT + 2)]
    first_serial = parse_card_number(patrons[0].record.card_number)
    cards = [format_card_number(first_serial + offset) for offset in range(50)]
    quiet = await _health(registry)
    assert (quiet["status"], quiet["database"], quiet["lookup_alerts"]) == ("ok", "ok", [])

    caplog.set_level(logging.WARNING, logger="registry.patrons.lookup_limits")
    answers = [await raw.call("sandnes", "GET", f"/v1/patrons/by-card/{card}") for card in cards]

    answered = [answer for answer in answers if answer.status == 200]
    refused = [answer for answer in answers if answer.status == 429]
    assert len(answered) == LOOKUP_LIMIT
    assert len(refused) == 50 - LOOKUP_LIMIT
    # Only what recognises a person at the desk: no card number, address, phone, e-mail or libraries.
    assert all(set(answer.json) == PREVIEW_FIELDS for answer in answered)
    assert {answer.json["name"] for answer in answered} == {patron.record.name for patron in patrons[:LOOKUP_LIMIT]}
    assert {answer.code for answer in refused} == {"lookup_rate_limited"}
    assert all(1 <= int(answer.headers["Retry-After"]) <= 3600 for answer in refused)

    # The operator sees it: /health names the library, and one warning says so, without any card number.
    alarmed = await _health(registry)
    assert (alarmed["status"], alarmed["lookup_alerts"]) == ("warning", ["sandnes"])
    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "sandnes" in warnings[0]
    assert not any(card in warnings[0] for card in cards)

    # Every lookup was audited, the refused ones too, with patron UUIDs only.
    entries = await _audit(db, keyring, "sandnes")
    assert [entry["patron_id"] for entry in entries[:LOOKUP_LIMIT]] == [
        patron.record.patron_id for patron in patrons[:LOOKUP_LIMIT]
    ]
    assert [entry["operation"] for entry in entries[LOOKUP_LIMIT:]] == ["lookup_by_card_refused"] * (50 - LOOKUP_LIMIT)
    assert all(entry["patron_id"] is None for entry in entries[LOOKUP_LIMIT:])

    # The library's own patrons are never limited: the desk keeps lending while the alert stands.
    own = await raw.call("asker", "GET", f"/v1/patrons/by-card/{patrons[0].record.card_number}")
    assert own.status == 200
    assert own.json["card_number"] == patrons[0].record.card_number
    assert (await _health(registry))["lookup_alerts"] == ["sandnes"]


async def test_a_lookup_of_a_card_that_does_not_exist_is_audited_without_the_number(
    asker: RegistryClient, raw: RawApi, register: Register, db: asyncpg.Connection, keyring: KeyRing
) -> None:
    missing = format_card_number(999_999_999)
    answer = await raw.call("sandnes", "GET", f"/v1/patrons/by-card/{missing}", headers={"Natreg-Purpose": "desk"})
    assert (answer.status, answer.code) == (404, "patron_not_found")
    patron = await register(asker)
    by_id = await raw.call("sandnes", "POST", "/v1/patrons/lookup", json={"national_id": patron.national_id})
    assert by_id.status == 200
    assert set(by_id.json) == PREVIEW_FIELDS

    entries = await _audit(db, keyring, "sandnes")
    assert [(entry["operation"], entry["patron_id"]) for entry in entries] == [
        ("lookup_by_card", None),
        ("lookup_by_national_id", patron.record.patron_id),
    ]
    dump = "\n".join(str(dict(row)) for row in await db.fetch("SELECT * FROM audit_log"))
    assert missing not in dump
    assert patron.national_id not in dump


async def test_linking_needs_the_patron_present(
    *, asker: RegistryClient, raw: RawApi, register: Register, db: asyncpg.Connection, keyring: KeyRing
) -> None:
    patron = await register(asker)
    other = await register(asker)
    card = patron.record.card_number
    path = f"/v1/patrons/{patron.record.patron_id}/link"

    without = await raw.call("sandnes", "PUT", path)
    assert (without.status, without.code) == (403, "patron_presence_required")
    empty = await raw.call("sandnes", "PUT", path, json={})
    assert (empty.status, empty.code) == (403, "patron_presence_required")
    wrong = await raw.call("sandnes", "PUT", path, json=_proof(card, WRONG_PIN))
    assert (wrong.status, wrong.code) == (403, "pin_invalid")
    # The wrong PIN counts towards the same lockout as at every other door.
    assert (
        await db.fetchval("SELECT pin_failed_attempts FROM patrons WHERE patron_id = $1", patron.record.patron_id) == 1
    )
    # Another patron's card and PIN do not prove this one present.
    someone_else = await raw.call("sandnes", "PUT", path, json=_proof(other.record.card_number, GOOD_PIN))
    assert (someone_else.status, someone_else.code) == (403, "patron_presence_required")
    assert await db.fetchval("SELECT count(*) FROM patron_libraries WHERE library_id = 'sandnes'") == 0

    # Still a stranger: a preview only.
    preview = await raw.call("sandnes", "GET", f"/v1/patrons/by-card/{card}")
    assert set(preview.json) == PREVIEW_FIELDS

    linked = await raw.call("sandnes", "PUT", path, json=_proof(card, GOOD_PIN), headers={"Natreg-Purpose": "desk"})
    assert linked.status == 200, linked.text
    assert linked.json["libraries"] == ["asker", "sandnes"]
    assert (
        await db.fetchval("SELECT pin_failed_attempts FROM patrons WHERE patron_id = $1", patron.record.patron_id) == 0
    )
    link_entries = [entry for entry in await _audit(db, keyring, "sandnes") if entry["operation"] == "link"]
    assert [(entry["purpose"], entry["patron_id"]) for entry in link_entries] == [
        ("desk (proof: card_and_pin)", patron.record.patron_id)
    ]

    # Linked now: the whole record, by card, by national ID and by id.
    by_card = await raw.call("sandnes", "GET", f"/v1/patrons/by-card/{card}")
    by_national_id = await raw.call("sandnes", "POST", "/v1/patrons/lookup", json={"national_id": patron.national_id})
    by_id = await raw.call("sandnes", "GET", f"/v1/patrons/{patron.record.patron_id}")
    assert by_card.json == by_national_id.json == by_id.json == linked.json


async def test_opting_out_needs_the_patron_present_and_erases_nothing_without(
    *, asker: RegistryClient, raw: RawApi, register: Register, db: asyncpg.Connection, keyring: KeyRing
) -> None:
    patron = await register(asker)
    patron_id = patron.record.patron_id
    path = f"/v1/patrons/{patron_id}/opt-out"

    without = await raw.call("asker", "POST", path)
    assert (without.status, without.code) == (403, "patron_presence_required")
    wrong = await raw.call("asker", "POST", path, json=_proof(patron.record.card_number, WRONG_PIN))
    assert (wrong.status, wrong.code) == (403, "pin_invalid")
    assert await db.fetchval("SELECT count(*) FROM patrons WHERE patron_id = $1", patron_id) == 1
    assert await db.fetchval("SELECT count(*) FROM erasure_ledger") == 0

    opted = await raw.call("asker", "POST", path, json=_proof(patron.record.card_number, GOOD_PIN))
    assert opted.status == 200, opted.text
    assert opted.json["patron_id"] == str(patron_id)
    assert await db.fetchval("SELECT count(*) FROM patrons WHERE patron_id = $1", patron_id) == 0
    entries = await _audit(db, keyring, "asker")
    assert [entry["purpose"] for entry in entries if entry["operation"] == "opt_out"] == [
        "opt-out (proof: card_and_pin)"
    ]


async def test_unlinking_the_last_library_erases_only_with_the_patron_present(
    *, asker: RegistryClient, raw: RawApi, register: Register, db: asyncpg.Connection, keyring: KeyRing
) -> None:
    # Unlinking a library's last patron link erases the record as an opt-out does: the same proof is needed,
    # or a stolen credential could erase every patron linked to that library alone.
    patron = await register(asker)
    patron_id = patron.record.patron_id
    path = f"/v1/patrons/{patron_id}/link"

    without = await raw.call("asker", "DELETE", path)
    assert (without.status, without.code) == (403, "patron_presence_required")
    wrong = await raw.call("asker", "DELETE", path, json=_proof(patron.record.card_number, WRONG_PIN))
    assert (wrong.status, wrong.code) == (403, "pin_invalid")
    assert await db.fetchval("SELECT count(*) FROM patron_libraries WHERE patron_id = $1", patron_id) == 1
    assert await db.fetchval("SELECT count(*) FROM erasure_ledger") == 0

    erased = await raw.call("asker", "DELETE", path, json=_proof(patron.record.card_number, GOOD_PIN))
    assert (erased.status, erased.text) == (204, "")
    assert await db.fetchval("SELECT count(*) FROM patrons WHERE patron_id = $1", patron_id) == 0
    unlinks = [entry["purpose"] for entry in await _audit(db, keyring, "asker") if entry["operation"] == "unlink"]
    assert unlinks == ["unlink (proof: card_and_pin)"]
