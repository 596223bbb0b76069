"""The door check at Asker and Sandnes against a real database: each refusal with its reason, and the log."""

from __future__ import annotations

import secrets
import ssl
from collections.abc import AsyncIterator
from datetime import date, datetime

import asyncpg
import pytest

from local_library.clock import FixedClock
from local_library.daily import run_daily
from local_library.meraapent import DoorChecks, check_door_access
from local_library.meraapent.access import entry_key_from, patron_reference
from local_library.meraapent.entry_log import expire_entry_log, own_entries, staff_lookup
from local_library.meraapent.queries import entry_counts, record_agreement
from local_library.patrons.cards import set_blocked_by_staff
from local_library.patrons.models import Guardian
from local_library.policy import LibraryPolicy
from local_library.registry_link.login import PatronLogins
from registry_contract.client import RegistryClient
from registry_contract.lockout import UnknownCardAttempts
from registry_contract.pins import PinHasher
from tests.library.conftest import GOOD_PIN, OSLO, add_patron
from tests.library.test_daily import RecordingSender

UNSTAFFED = datetime(2025, 3, 3, 7, 30, tzinfo=OSLO)  # a Monday morning before staff come in
STAFFED = datetime(2025, 3, 3, 12, 0, tzinfo=OSLO)
CLOSED = datetime(2025, 3, 3, 23, 0, tzinfo=OSLO)
PARENT = Guardian(name="Ola Nordmann", contact="ola@example.org")
KEY = entry_key_from(secrets.token_bytes(32))


def move(clock: FixedClock, to: datetime) -> None:
    clock.advance(seconds=(to - clock.now()).total_seconds())


@pytest.fixture
async def registry() -> AsyncIterator[RegistryClient]:
    # Nothing listens on port 9: a national card can never be confirmed.
    client = RegistryClient(
        "https://localhost:9", library_id="asker", credential="-", ssl_context=ssl.create_default_context(), retries=0
    )
    yield client
    await client.close()


def _checks(
    pool: asyncpg.Pool, registry: RegistryClient, hasher: PinHasher, clock: FixedClock, policy: LibraryPolicy
) -> DoorChecks:
    logins = PatronLogins(pool, registry, hasher, clock, UnknownCardAttempts())
    return DoorChecks(logins=logins, policy=policy, timezone="Europe/Oslo", entry_key=KEY)


async def _adult_with_agreement(conn: asyncpg.Connection, policy: LibraryPolicy, clock: FixedClock, hasher: PinHasher):  # type: ignore[no-untyped-def]
    patron = await add_patron(conn, policy, clock, hasher, birth_date=date(1980, 5, 17))
    await record_agreement(conn, patron.patron_id, date(2025, 2, 1), "desk1", clock.now())
    return patron


async def test_asker_admits_an_adult_with_the_agreement_in_unstaffed_hours_and_refuses_the_rest(
    pool: asyncpg.Pool, registry: RegistryClient, hasher: PinHasher, asker_policy: LibraryPolicy
) -> None:
    clock = FixedClock(UNSTAFFED)
    checks = _checks(pool, registry, hasher, clock, asker_policy)
    async with pool.acquire() as conn:
        adult = await _adult_with_agreement(conn, asker_policy, clock, hasher)
        teen = await add_patron(conn, asker_policy, clock, hasher, birth_date=date(2010, 6, 1), guardian=PARENT)  # 14
        await record_agreement(conn, teen.patron_id, date(2025, 2, 1), "desk1", clock.now())
        blocked = await _adult_with_agreement(conn, asker_policy, clock, hasher)
        await set_blocked_by_staff(conn, blocked.patron_id, True)
        unsigned = await add_patron(conn, asker_policy, clock, hasher)
    assert adult.card_number
    assert teen.card_number
    assert blocked.card_number
    assert unsigned.card_number

    admitted = await check_door_access(checks, door="main", card_number=adult.card_number, pin=GOOD_PIN)
    assert (admitted.admit, admitted.reason, admitted.message_nb) == (True, "admitted", "Velkommen inn.")

    async def refusal(card: str, pin: str = GOOD_PIN) -> str:
        decision = await check_door_access(checks, door="main", card_number=card, pin=pin)
        assert not decision.admit
        assert decision.message_nb
        assert decision.message_en
        return decision.reason

    assert await refusal(teen.card_number) == "too_young"
    assert await refusal(blocked.card_number) == "blocked"
    assert await refusal(unsigned.card_number) == "no_agreement"
    assert await refusal(adult.card_number, "9999") == "wrong_pin"
    assert await refusal("L99999999") == "unknown_card"
    # A national card the registry cannot confirm: refused, never let in on trust.
    assert await refusal("1234567890") == "registry_unavailable"

    move(clock, CLOSED)
    assert await refusal(adult.card_number) == "closed"
    move(clock, datetime(2026, 12, 24, 8, 0, tzinfo=OSLO))
    assert await refusal(adult.card_number) == "closed"

    move(clock, STAFFED)
    staffed = await check_door_access(checks, door="main", card_number=teen.card_number, pin=GOOD_PIN)
    assert (staffed.admit, staffed.reason) == (True, "staffed_hours")
    assert await refusal(teen.card_number, "9999") == "wrong_pin"


async def test_the_age_limit_is_reached_on_the_birthday(
    pool: asyncpg.Pool, registry: RegistryClient, hasher: PinHasher, asker_policy: LibraryPolicy
) -> None:
    clock = FixedClock(UNSTAFFED)
    checks = _checks(pool, registry, hasher, clock, asker_policy)
    async with pool.acquire() as conn:
        tomorrow = await add_patron(conn, asker_policy, clock, hasher, birth_date=date(2007, 3, 4), guardian=PARENT)
        today = await add_patron(conn, asker_policy, clock, hasher, birth_date=date(2007, 3, 3))
        for patron in (tomorrow, today):
            await record_agreement(conn, patron.patron_id, date(2025, 2, 1), "desk1", clock.now())
    assert tomorrow.card_number
    assert today.card_number
    assert (await check_door_access(checks, door="main", card_number=tomorrow.card_number, pin=GOOD_PIN)).reason == (
        "too_young"
    )
    assert (await check_door_access(checks, door="main", card_number=today.card_number, pin=GOOD_PIN)).admit


async def test_a_locked_card_is_refused_even_with_the_right_pin(
    pool: asyncpg.Pool, registry: RegistryClient, hasher: PinHasher, asker_policy: LibraryPolicy
) -> None:
    clock = FixedClock(UNSTAFFED)
    checks = _checks(pool, registry, hasher, clock, asker_policy)
    async with pool.acquire() as conn:
        adult = await _adult_with_agreement(conn, asker_policy, clock, hasher)
    assert adult.card_number
    reasons = []
    for _ in range(12):
        decision = await check_door_access(checks, door="main", card_number=adult.card_number, pin="0000")
        reasons.append(decision.reason)
        clock.advance(seconds=3600)
    assert reasons[0] == "wrong_pin"
    assert reasons[-1] == "card_locked"
    locked = await check_door_access(checks, door="main", card_number=adult.card_number, pin=GOOD_PIN)
    assert (locked.admit, locked.reason) == (False, "card_locked")


async def test_sandnes_has_no_unstaffed_hours(
    pool: asyncpg.Pool, registry: RegistryClient, hasher: PinHasher, sandnes_policy: LibraryPolicy
) -> None:
    clock = FixedClock(UNSTAFFED)
    checks = _checks(pool, registry, hasher, clock, sandnes_policy)
    async with pool.acquire() as conn:
        adult = await _adult_with_agreement(conn, sandnes_policy, clock, hasher)
    assert adult.card_number
    for moment in (UNSTAFFED, STAFFED, CLOSED):
        move(clock, moment)
        decision = await check_door_access(checks, door="main", card_number=adult.card_number, pin=GOOD_PIN)
        assert (decision.admit, decision.reason) == (False, "not_offered")


async def test_the_entry_log_is_pseudonymous_and_expires_into_daily_counts(
    pool: asyncpg.Pool, registry: RegistryClient, hasher: PinHasher, asker_policy: LibraryPolicy
) -> None:
    clock = FixedClock(UNSTAFFED)
    checks = _checks(pool, registry, hasher, clock, asker_policy)
    async with pool.acquire() as conn:
        adult = await _adult_with_agreement(conn, asker_policy, clock, hasher)
    assert adult.card_number
    await check_door_access(checks, door="main", card_number=adult.card_number, pin=GOOD_PIN)
    await check_door_access(checks, door="main", card_number=adult.card_number, pin="0000")
    clock.advance(days=1)
    await check_door_access(checks, door="side", card_number=adult.card_number, pin=GOOD_PIN)

    rows = await pool.fetch("SELECT patron_ref, door, admitted, reason FROM door_entries ORDER BY at, entry_id")
    assert [(r["door"], r["admitted"], r["reason"]) for r in rows] == [
        ("main", True, "admitted"),
        ("main", False, "wrong_pin"),
        ("side", True, "admitted"),
    ]
    # The patron is a keyed hash: not the card number, not the id, and nothing before the PIN was right.
    assert rows[0]["patron_ref"] == patron_reference(KEY, adult.patron_id) != adult.patron_id.bytes
    assert rows[1]["patron_ref"] is None
    assert adult.card_number.encode() not in b"".join(r["patron_ref"] or b"" for r in rows)

    async with pool.acquire() as conn:
        assert [e.door for e in await own_entries(conn, KEY, adult.patron_id)] == ["side", "main"]
        looked_up = await staff_lookup(conn, KEY, clock, "desk1", patron_id=adult.patron_id, door=None)
        assert len(looked_up) == 2
        lookups = await conn.fetch("SELECT staff_username, patron_id FROM door_entry_lookups")
        assert [(r["staff_username"], r["patron_id"]) for r in lookups] == [("desk1", adult.patron_id)]

        days = asker_policy.unstaffed.entry_log_days
        clock.advance(days=days - 1)  # the first day's entries are now `days` days old, minus nothing: kept
        clock.advance(seconds=-60)
        assert await expire_entry_log(conn, asker_policy, clock) == 0
        clock.advance(seconds=120)
        assert await expire_entry_log(conn, asker_policy, clock) == 2
        assert [e.door for e in await own_entries(conn, KEY, adult.patron_id)] == ["side"]
        clock.advance(days=1)
        assert await expire_entry_log(conn, asker_policy, clock) == 1
        assert await own_entries(conn, KEY, adult.patron_id) == []
        counts = [(r["day"], r["door"], r["reason"], r["entries"]) for r in await entry_counts(conn)]
    assert counts == [
        (date(2025, 3, 3), "main", "admitted", 1),
        (date(2025, 3, 3), "main", "wrong_pin", 1),
        (date(2025, 3, 4), "side", "admitted", 1),
    ]


async def test_the_daily_run_expires_the_entry_log(
    pool: asyncpg.Pool, registry: RegistryClient, hasher: PinHasher, asker_policy: LibraryPolicy
) -> None:
    clock = FixedClock(UNSTAFFED)
    checks = _checks(pool, registry, hasher, clock, asker_policy)
    async with pool.acquire() as conn:
        adult = await _adult_with_agreement(conn, asker_policy, clock, hasher)
    assert adult.card_number
    assert (await check_door_access(checks, door="main", card_number=adult.card_number, pin=GOOD_PIN)).admit
    sender = RecordingSender()
    clock.advance(days=asker_policy.unstaffed.entry_log_days - 1)
    assert (await run_daily(pool, asker_policy, clock, sender)).door_entries_expired == 0
    clock.advance(days=1, seconds=1)
    assert (await run_daily(pool, asker_policy, clock, sender)).door_entries_expired == 1
    assert await pool.fetchval("SELECT count(*) FROM door_entries") == 0
    assert await pool.fetchval("SELECT entries FROM door_entry_counts WHERE reason = 'admitted'") == 1
