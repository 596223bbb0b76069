"""The population register job when the register misbehaves: ETag/304, 429, 5xx, down, slow, pages sent
twice, two registry instances at once, and the token (cached, renewed, refused). Against the stand-in."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import asyncpg
import pytest

from natreg.population_standin import (
    PopulationStandIn,
    RunningStandIn,
    StandInFault,
    start_standin,
    trusted_certificate_der,
)
from plumbing.keys.business_certificate import create_business_certificate
from plumbing.keys.layout import KeyLayout
from registry.app import RunningRegistry
from registry.patrons.core import RegistryCore
from registry.population.client import (
    BusinessCertificate,
    PopulationRegisterClient,
    PopulationRegisterRefused,
    PopulationRegisterUnavailable,
    population_register_client,
)
from registry.population.follower import follow_once
from registry_contract.client import RegistryClient
from tests.registry.conftest import CHEAP_PINS, Register
from tests.registry.population_fixtures import address, register_person, settings_for
from tests.servers import registry_client, run_registry

WAIT = "wait_for_administrator"
FEED = "/api/v1/hendelser/feed"
LOOKUP = "/api/v1/personer/bulkoppslag"


async def position(db: asyncpg.Connection) -> int:
    return int(await db.fetchval("SELECT last_sequence_number FROM population_feed_position"))


async def updates(db: asyncpg.Connection, patron_id: uuid.UUID) -> int:
    return int(
        await db.fetchval("SELECT count(*) FROM change_feed WHERE patron_id = $1 AND change = 'updated'", patron_id)
    )


async def test_nothing_new_is_answered_304_with_the_stored_etag(
    core: RegistryCore, population_register: PopulationRegisterClient, standin: RunningStandIn,
    register: Register, asker: RegistryClient,
) -> None:  # fmt: skip
    patron = await register(asker)
    standin.state.add_person(register_person(patron.national_id))

    await follow_once(core, population_register, death_action=WAIT)  # the event
    await follow_once(core, population_register, death_action=WAIT)  # an empty page, its ETag stored
    quiet = await follow_once(core, population_register, death_action=WAIT)

    assert standin.state.calls_to(FEED) == [200, 200, 304]
    assert (quiet.events, quiet.position) == (0, 1)
    # The token was asked for once and used for every call.
    assert standin.state.calls_to("/token") == [200]


async def test_429_is_honoured_with_its_retry_after_and_nothing_moves(
    core: RegistryCore, population_register: PopulationRegisterClient, standin: RunningStandIn,
    register: Register, asker: RegistryClient, db: asyncpg.Connection,
) -> None:  # fmt: skip
    patron = await register(asker)
    standin.state.add_person(register_person(patron.national_id))
    standin.state.faults.append(StandInFault(FEED, status=429, retry_after="7"))

    with pytest.raises(PopulationRegisterUnavailable) as limited:
        await follow_once(core, population_register, death_action=WAIT)

    assert limited.value.retry_after == 7
    assert await position(db) == 0
    assert (await follow_once(core, population_register, death_action=WAIT)).position == 1


async def test_a_500_in_the_middle_of_a_page_applies_none_of_it(
    core: RegistryCore, population_register: PopulationRegisterClient, standin: RunningStandIn,
    register: Register, asker: RegistryClient, db: asyncpg.Connection,
) -> None:  # fmt: skip
    first, second = await register(asker), await register(asker)
    standin.state.add_person(register_person(first.national_id, address=address("Storgata 1")))
    standin.state.add_person(register_person(second.national_id, address=address("Storgata 2")))
    standin.state.faults.append(StandInFault(LOOKUP, status=500))

    with pytest.raises(PopulationRegisterUnavailable):
        await follow_once(core, population_register, death_action=WAIT)
    assert await position(db) == 0
    assert await updates(db, first.record.patron_id) == 0

    await follow_once(core, population_register, death_action=WAIT)
    assert await position(db) == 2
    assert [await updates(db, patron.record.patron_id) for patron in (first, second)] == [1, 1]


async def test_a_register_that_is_down_or_slow_only_delays(
    core: RegistryCore, keys_dir: Path, register: Register, asker: RegistryClient, db: asyncpg.Connection,
) -> None:  # fmt: skip
    state = PopulationStandIn(trusted_certificate_der(KeyLayout(keys_dir).registry_business_certificate))
    running = await start_standin(state)
    client = population_register_client(settings_for(running, timeout_seconds=0.5), KeyLayout(keys_dir))
    try:
        patron = await register(asker)
        state.add_person(register_person(patron.national_id))
        state.faults.append(StandInFault(FEED, delay_seconds=3))
        with pytest.raises(PopulationRegisterUnavailable, match="TimeoutError"):
            await follow_once(core, client, death_action=WAIT)
        await running.stop()
        with pytest.raises(PopulationRegisterUnavailable, match="no answer"):
            await follow_once(core, client, death_action=WAIT)
        assert await position(db) == 0

        running = await start_standin(state, port=int(running.url.rsplit(":", 1)[1]))
        assert (await follow_once(core, client, death_action=WAIT)).position == 1
    finally:
        await client.close()
        await running.stop()


async def test_a_page_sent_again_is_not_applied_again(
    core: RegistryCore, population_register: PopulationRegisterClient, standin: RunningStandIn,
    register: Register, asker: RegistryClient, db: asyncpg.Connection,
) -> None:  # fmt: skip
    patron = await register(asker)
    standin.state.add_person(register_person(patron.national_id, address=address("Storgata 1")))
    await follow_once(core, population_register, death_action=WAIT)
    standin.state.answer_from_the_start = True

    again = await follow_once(core, population_register, death_action=WAIT)

    assert (again.events, again.position) == (0, 1)
    assert await updates(db, patron.record.patron_id) == 1


async def test_two_registry_instances_take_turns_and_apply_each_event_once(
    core: RegistryCore, standin: RunningStandIn, keys_dir: Path, register: Register, asker: RegistryClient,
    db: asyncpg.Connection,
) -> None:  # fmt: skip
    patron = await register(asker)
    standin.state.add_person(register_person(patron.national_id, address=address("Storgata 1")))
    slow = StandInFault(LOOKUP, delay_seconds=1)
    standin.state.faults.append(slow)
    clients = [population_register_client(settings_for(standin), KeyLayout(keys_dir)) for _ in range(2)]
    try:
        first = asyncio.create_task(follow_once(core, clients[0], death_action=WAIT))
        await asyncio.wait_for(slow.arrived.wait(), timeout=30)  # the first holds the position, waiting
        second = await follow_once(core, clients[1], death_action=WAIT)
        assert second.busy
        assert (await first).events == 1
    finally:
        for client in clients:
            await client.close()
    assert await updates(db, patron.record.patron_id) == 1


async def test_the_token_is_renewed_shortly_before_it_expires_and_after_a_401(
    core: RegistryCore, standin: RunningStandIn, keys_dir: Path, register: Register, asker: RegistryClient,
) -> None:  # fmt: skip
    layout = KeyLayout(keys_dir)
    now = [1_000_000.0]
    certificate = BusinessCertificate.load(layout.registry_business_key, layout.registry_business_certificate)
    client = PopulationRegisterClient(settings_for(standin), certificate, clock=lambda: now[0])
    standin.state.clock = lambda: now[0]
    try:
        await follow_once(core, client, death_action=WAIT)
        now[0] += 60  # the stand-in's token lasts 120 s; renewed from 30 s before its end
        await follow_once(core, client, death_action=WAIT)
        assert standin.state.calls_to("/token") == [200]
        now[0] += 31
        await follow_once(core, client, death_action=WAIT)
        assert standin.state.calls_to("/token") == [200, 200]
        standin.state.tokens.clear()  # the register forgot the token: 401, a new token, the call again
        await follow_once(core, client, death_action=WAIT)
        assert standin.state.calls_to("/token") == [200, 200, 200]
        assert 401 in standin.state.calls_to(FEED)
    finally:
        await client.close()


async def test_a_grant_signed_with_another_certificate_is_refused(
    core: RegistryCore, standin: RunningStandIn, tmp_path: Path
) -> None:
    other = KeyLayout(tmp_path)
    create_business_certificate(other)
    client = population_register_client(settings_for(standin), other)
    try:
        with pytest.raises(PopulationRegisterRefused, match="refused the grant"):
            await follow_once(core, client, death_action=WAIT)
    finally:
        await client.close()
    assert standin.state.calls_to(FEED) == []


async def test_the_registry_runs_the_job_itself_when_configured(
    registry_database_url: str, keys_dir: Path, standin: RunningStandIn, register: Register, asker: RegistryClient,
    registry: RunningRegistry,
) -> None:  # fmt: skip
    """The job inside a second registry instance on the same database, polling the stand-in, through faults."""
    patron = await register(asker)
    standin.state.add_person(register_person(patron.national_id, address=address("Langgata 7")))
    # The job's first two calls fail; it waits as told and carries on.
    standin.state.faults.append(StandInFault(FEED, status=503, retry_after="0"))
    standin.state.faults.append(StandInFault(LOOKUP, status=429, retry_after="0"))
    following = await run_registry(registry_database_url, keys_dir, population=settings_for(standin), **CHEAP_PINS)
    try:
        async with registry_client(following, keys_dir, "asker", retries=0) as client:
            for _ in range(200):
                record = await client.get_patron(patron.record.patron_id)
                if record.address_source == "population_register":
                    break
                await asyncio.sleep(0.1)
            assert record.addresses[0].lines == ["Langgata 7"]
    finally:
        await following.stop()
    assert standin.state.calls_to(FEED)[0] == 503
    assert 429 in standin.state.calls_to(LOOKUP)
