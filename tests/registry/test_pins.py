"""PIN authentication: right and wrong PINs, backoff after three failures, lockout after ten, PIN change."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import pytest

from plumbing.errors import DomainError
from registry.crypto.keyring import KeyRing
from registry.patrons.authentication import authenticate
from registry.patrons.core import Caller, RegistryCore
from registry_contract.client import RegistryClient
from registry_contract.lockout import LIBRARY_DOOR
from registry_contract.models import CardAuthentication, PatronRecord, PinChange
from registry_contract.pins import PinHasher
from tests.registry.conftest import GOOD_PIN, OTHER_PIN, WRONG_PIN, RawApi, Register, refusal

FREE_PIN_ATTEMPTS = LIBRARY_DOOR.free_attempts
PIN_LOCKOUT_AFTER = LIBRARY_DOOR.locked_after


def _login(card_number: str, pin: str) -> CardAuthentication:
    return CardAuthentication(card_number=card_number, pin=pin)


async def test_right_pin_is_accepted_and_wrong_pin_refused(
    asker: RegistryClient, sandnes: RegistryClient, register: Register
) -> None:
    patron = await register(asker)
    card = patron.record.card_number
    # Any library may authenticate a card (the patron may walk into any library).
    record = await sandnes.request("POST", "/v1/patrons/authenticate", PatronRecord, body=_login(card, GOOD_PIN))
    assert record.patron_id == patron.record.patron_id
    wrong = await refusal(asker.request("POST", "/v1/patrons/authenticate", PatronRecord, body=_login(card, WRONG_PIN)))
    assert wrong == (403, "pin_invalid")


async def test_after_three_wrong_pins_the_next_attempt_must_wait(
    raw: RawApi, asker: RegistryClient, register: Register, db: asyncpg.Connection
) -> None:
    patron = await register(asker)
    body = _login(patron.record.card_number, WRONG_PIN).model_dump()
    for _ in range(FREE_PIN_ATTEMPTS):
        answer = await raw.call("asker", "POST", "/v1/patrons/authenticate", json=body)
        assert (answer.status, answer.code) == (403, "pin_invalid")

    right = _login(patron.record.card_number, GOOD_PIN).model_dump()
    throttled = await raw.call("asker", "POST", "/v1/patrons/authenticate", json=right)
    assert (throttled.status, throttled.code) == (429, "pin_attempts_throttled")
    assert 1 <= int(throttled.headers["Retry-After"]) <= 31
    assert await db.fetchval("SELECT pin_failed_attempts FROM patrons") == FREE_PIN_ATTEMPTS


async def test_a_parallel_burst_of_guesses_is_mostly_throttled(
    asker: RegistryClient, register: Register, db: asyncpg.Connection
) -> None:
    patron = await register(asker)
    guesses = [f"{5000 + number:04d}" for number in range(20)]
    card = patron.record.card_number
    outcomes = await asyncio.gather(
        *(
            refusal(asker.request("POST", "/v1/patrons/authenticate", PatronRecord, body=_login(card, pin)))
            for pin in guesses
        )
    )
    assert outcomes.count((403, "pin_invalid")) == FREE_PIN_ATTEMPTS
    assert outcomes.count((429, "pin_attempts_throttled")) == len(guesses) - FREE_PIN_ATTEMPTS
    assert await db.fetchval("SELECT pin_failed_attempts FROM patrons") == FREE_PIN_ATTEMPTS


@dataclass
class Clock:
    current: dt.datetime

    def __call__(self) -> dt.datetime:
        return self.current


@pytest.fixture
async def pool(db: asyncpg.Connection, registry_database_url: str) -> AsyncIterator[asyncpg.Pool]:
    # ``db`` first: it starts the registry, which migrates the database this pool uses.
    pool = await asyncpg.create_pool(registry_database_url, min_size=1, max_size=4)
    yield pool
    await pool.close()


async def test_backoff_doubles_and_ten_failures_lock_until_a_new_pin(
    asker: RegistryClient, raw: RawApi, register: Register, pool: asyncpg.Pool, keyring: KeyRing
) -> None:
    patron = await register(asker)
    clock = Clock(dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    core = RegistryCore(
        pool=pool,
        current_keyring=lambda: keyring,
        pin_hasher=PinHasher(keyring.pin_pepper, time_cost=1, memory_cost=1024),
        allow_synthetic_national_ids=True,
        now=clock,
    )
    caller = Caller.library("asker")
    wrong = _login(patron.record.card_number, WRONG_PIN)

    async def attempt(credentials: CardAuthentication) -> DomainError:
        with pytest.raises(DomainError) as refused:
            await authenticate(core, caller, credentials, "test")
        return refused.value

    expected_waits = [0, 0, 30, 60, 120, 240, 480, 960, 1920]
    for failures, wait in enumerate(expected_waits, start=1):
        assert (await attempt(wrong)).code == "pin_invalid"
        if wait:
            clock.current += dt.timedelta(seconds=wait - 1)
            early = await attempt(_login(patron.record.card_number, GOOD_PIN))
            assert (early.code, early.retry_after_seconds) == ("pin_attempts_throttled", 1), failures
            clock.current += dt.timedelta(seconds=1)
    assert (await attempt(wrong)).code == "pin_invalid"  # the tenth failure locks
    clock.current += dt.timedelta(days=400)
    assert (await attempt(_login(patron.record.card_number, GOOD_PIN))).code == "pin_locked"
    assert len(expected_waits) + 1 == PIN_LOCKOUT_AFTER

    # The lock is in the database, so the running registry (real clock) refuses too.
    locked = await raw.call(
        "sandnes", "POST", "/v1/patrons/authenticate", json=_login(patron.record.card_number, GOOD_PIN).model_dump()
    )
    assert (locked.status, locked.code) == (423, "pin_locked")

    changed = await asker.request(
        "PUT", f"/v1/patrons/{patron.record.patron_id}/pin", PatronRecord, body=PinChange(new_pin=OTHER_PIN)
    )
    assert changed.version == patron.record.version + 1
    record = await asker.request(
        "POST", "/v1/patrons/authenticate", PatronRecord, body=_login(patron.record.card_number, OTHER_PIN)
    )
    assert record.patron_id == patron.record.patron_id


async def test_a_correct_pin_resets_the_failure_count(
    asker: RegistryClient, register: Register, db: asyncpg.Connection
) -> None:
    patron = await register(asker)
    card = patron.record.card_number
    for _ in range(FREE_PIN_ATTEMPTS - 1):
        await refusal(asker.request("POST", "/v1/patrons/authenticate", PatronRecord, body=_login(card, WRONG_PIN)))
    await asker.request("POST", "/v1/patrons/authenticate", PatronRecord, body=_login(card, GOOD_PIN))
    assert await db.fetchval("SELECT pin_failed_attempts FROM patrons") == 0


async def test_pin_change_refuses_trivial_pins_and_replaces_the_old_one(
    asker: RegistryClient, sandnes: RegistryClient, register: Register
) -> None:
    patron = await register(asker)
    path = f"/v1/patrons/{patron.record.patron_id}/pin"
    assert await refusal(asker.request("PUT", path, PatronRecord, body=PinChange(new_pin="1111"))) == (
        422,
        "pin_too_simple",
    )
    # Only a library the patron is linked to may set the PIN.
    assert await refusal(sandnes.request("PUT", path, PatronRecord, body=PinChange(new_pin=OTHER_PIN))) == (
        404,
        "patron_not_found",
    )
    await asker.request("PUT", path, PatronRecord, body=PinChange(new_pin=OTHER_PIN))
    card = patron.record.card_number
    old = await refusal(asker.request("POST", "/v1/patrons/authenticate", PatronRecord, body=_login(card, GOOD_PIN)))
    assert old == (403, "pin_invalid")
    await asker.request("POST", "/v1/patrons/authenticate", PatronRecord, body=_login(card, OTHER_PIN))


async def test_a_pin_hashed_with_older_argon2_parameters_is_rehashed_at_login(
    asker: RegistryClient, register: Register, pool: asyncpg.Pool, keyring: KeyRing
) -> None:
    patron = await register(asker)  # hashed by the running registry: time_cost=1
    stronger = RegistryCore(
        pool=pool,
        current_keyring=lambda: keyring,
        pin_hasher=PinHasher(keyring.pin_pepper, time_cost=2, memory_cost=1024),
        allow_synthetic_national_ids=True,
    )
    stored_before = await pool.fetchval("SELECT pin_hash FROM patrons WHERE patron_id = $1", patron.record.patron_id)
    assert ",t=1," in stored_before
    await authenticate(stronger, Caller.library("asker"), _login(patron.record.card_number, GOOD_PIN), "test")
    stored_after = await pool.fetchval("SELECT pin_hash FROM patrons WHERE patron_id = $1", patron.record.patron_id)
    assert ",t=2," in stored_after
    # Still the same PIN, under the new parameters.
    await authenticate(stronger, Caller.library("asker"), _login(patron.record.card_number, GOOD_PIN), "test")
