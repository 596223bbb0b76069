"""Following the population register's event feed against the stand-in register (real HTTP, real PostgreSQL).

Each test records events in the stand-in, runs rounds of the job (``follow_once``, the job's unit of work)
and checks the record, what linked libraries were told, and what was (not) stored.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from pathlib import Path

import asyncpg
import pytest

from natreg.population_standin import RunningStandIn, StandInFault
from plumbing.keys.layout import KeyLayout
from registry import app_keys
from registry.app import RunningRegistry
from registry.erasure.admin import administrator, list_requests
from registry.patrons.core import RegistryCore
from registry.population.client import (
    PopulationRegisterClient,
    population_register_client,
)
from registry.population.follower import follow_once
from registry.population.wire import FEED_PAGE_SIZE
from registry_contract.client import RegistryClient, card_and_pin
from registry_contract.models import ContactUpdate, PatronRecord, PostalAddress
from registry_contract.national_id import generate_synthetic_national_ids
from tests.national.test_erasure_end_to_end import _pg_tool
from tests.registry.conftest import CHEAP_PINS, GOOD_PIN, Register, Registered, refusal
from tests.registry.population_fixtures import address, register_person, settings_for
from tests.servers import registry_client, run_registry

WAIT = "wait_for_administrator"


async def linked_at_both(register: Register, asker: RegistryClient, sandnes: RegistryClient) -> Registered:
    patron = await register(asker)
    await sandnes.link(patron.record.patron_id, card_and_pin(patron.record.card_number, GOOD_PIN))
    return patron


async def updates_told(db: asyncpg.Connection, patron_id: uuid.UUID) -> list[tuple[str, str]]:
    rows = await db.fetch(
        "SELECT library_id, change FROM change_feed WHERE patron_id = $1 AND change IN ('updated', 'deceased') "
        "ORDER BY sequence_number",
        patron_id,
    )
    return [(row["library_id"], row["change"]) for row in rows]


async def record(asker: RegistryClient, patron_id: uuid.UUID) -> PatronRecord:
    return await asker.get_patron(patron_id)


async def test_a_move_becomes_the_first_address_and_both_linked_libraries_are_told(
    core: RegistryCore, population_register: PopulationRegisterClient, standin: RunningStandIn,
    register: Register, asker: RegistryClient, sandnes: RegistryClient, db: asyncpg.Connection,
) -> None:  # fmt: skip
    patron = await linked_at_both(register, asker, sandnes)
    library_address = patron.record.addresses[0]
    standin.state.add_person(register_person(patron.national_id, address=address("Storgata 1")))
    standin.state.change(patron.national_id, "flytting", bostedsadresse=address("Langgata 7").model_dump())

    round_ = await follow_once(core, population_register, death_action=WAIT)

    assert (round_.events, round_.position) == (2, 2)
    now = await record(asker, patron.record.patron_id)
    registered = PostalAddress(lines=["Langgata 7"], postal_code="4306", city="Sandnes")
    # The registered address comes first; what the library gave stays as the temporary address.
    assert now.addresses == [registered, library_address]
    assert now.address_source == "population_register"
    assert (now.name, now.gender) == ("Kari Nordmann", "female")
    assert now.version == patron.record.version + 2  # linked at Sandnes, then the register's update
    assert await updates_told(db, patron.record.patron_id) == [("asker", "updated"), ("sandnes", "updated")]


async def test_a_library_cannot_overwrite_the_registered_address_but_keeps_the_temporary_one(
    core: RegistryCore, population_register: PopulationRegisterClient, standin: RunningStandIn,
    register: Register, asker: RegistryClient,
) -> None:  # fmt: skip
    patron = await register(asker)
    standin.state.add_person(register_person(patron.national_id, address=address("Langgata 7")))
    await follow_once(core, population_register, death_action=WAIT)
    current = await record(asker, patron.record.patron_id)
    elsewhere = PostalAddress(lines=["Hyttestien 3"], postal_code="3560", city="Hemsedal")

    replaced = asker.update_contact(
        patron.record.patron_id, ContactUpdate(addresses=[elsewhere]), version=current.version
    )
    assert await refusal(replaced) == (422, "address_from_population_register")

    kept = await asker.update_contact(
        patron.record.patron_id, ContactUpdate(addresses=[current.addresses[0], elsewhere]), version=current.version
    )
    assert kept.addresses == [current.addresses[0], elsewhere]


async def test_a_name_change_is_applied_and_told(
    core: RegistryCore, population_register: PopulationRegisterClient, standin: RunningStandIn,
    register: Register, asker: RegistryClient, db: asyncpg.Connection,
) -> None:  # fmt: skip
    patron = await register(asker)
    standin.state.add_person(register_person(patron.national_id, "Ola", "Nordmann", gender="mann"))
    await follow_once(core, population_register, death_action=WAIT)
    standin.state.change(patron.national_id, "navneendring", fornavn="Ola", mellomnavn="Fjell", etternavn="Berg")

    await follow_once(core, population_register, death_action=WAIT)

    now = await record(asker, patron.record.patron_id)
    assert (now.name, now.gender) == ("Ola Fjell Berg", "male")
    # No registered address in the register: the library's address stays, still the library's.
    assert now.addresses == patron.record.addresses
    assert now.address_source == "library"
    assert await updates_told(db, patron.record.patron_id) == [("asker", "updated"), ("asker", "updated")]


async def test_a_protected_address_is_removed_and_libraries_cannot_add_one(
    core: RegistryCore, population_register: PopulationRegisterClient, standin: RunningStandIn,
    register: Register, asker: RegistryClient, sandnes: RegistryClient, db: asyncpg.Connection,
) -> None:  # fmt: skip
    patron = await linked_at_both(
        register,
        asker,
        sandnes,
    )
    standin.state.add_person(register_person(patron.national_id, address=address("Langgata 7")))
    await follow_once(core, population_register, death_action=WAIT)
    standin.state.change(patron.national_id, "adressebeskyttelse", adressebeskyttelse="strengtFortrolig")

    await follow_once(core, population_register, death_action=WAIT)

    now = await record(sandnes, patron.record.patron_id)
    assert now.addresses == []
    assert now.address_source == "protected"
    # Nothing decryptable keeps the address either: the ciphertext holds an empty list now.
    assert await updates_told(db, patron.record.patron_id) == [("asker", "updated"), ("sandnes", "updated")] * 2
    adding = sandnes.update_contact(
        patron.record.patron_id,
        ContactUpdate(addresses=[PostalAddress(lines=["Hyttestien 3"], postal_code="3560", city="Hemsedal")]),
        version=now.version,
    )
    assert await refusal(adding) == (422, "address_protected")


async def test_a_death_files_a_death_notice_from_the_register_for_an_administrator(
    core: RegistryCore, population_register: PopulationRegisterClient, standin: RunningStandIn,
    register: Register, asker: RegistryClient, db: asyncpg.Connection,
) -> None:  # fmt: skip
    patron = await register(asker)
    standin.state.add_person(register_person(patron.national_id))
    standin.state.change(patron.national_id, "doedsfall", status="doed")

    await follow_once(core, population_register, death_action=WAIT)
    await follow_once(core, population_register, death_action=WAIT)  # nothing new: filed once

    pending = await list_requests(core, administrator("test"))
    assert [
        (summary.request.kind, summary.request.filed_via, summary.request.filed_by_library) for summary in pending
    ] == [("death_notice", "population_register", None)]
    assert pending[0].card_number == patron.record.card_number
    # It waits: the record is still there until an administrator decides.
    assert (await record(asker, patron.record.patron_id)).patron_id == patron.record.patron_id


async def test_a_death_erases_at_once_when_the_operator_says_so(
    core: RegistryCore, population_register: PopulationRegisterClient, standin: RunningStandIn,
    register: Register, asker: RegistryClient, sandnes: RegistryClient, db: asyncpg.Connection,
) -> None:  # fmt: skip
    patron = await linked_at_both(register, asker, sandnes)
    standin.state.add_person(register_person(patron.national_id))
    standin.state.change(patron.national_id, "doedsfall", status="doed")

    await follow_once(core, population_register, death_action="erase_at_once")

    assert await db.fetchval("SELECT count(*) FROM patrons WHERE patron_id = $1", patron.record.patron_id) == 0
    assert await updates_told(db, patron.record.patron_id) == [("asker", "deceased"), ("sandnes", "deceased")]
    assert await db.fetchval("SELECT reason FROM erasure_ledger WHERE patron_id = $1", patron.record.patron_id) == (
        "death_notice"
    )
    decided = await db.fetchrow(
        "SELECT status, decided_by FROM erasure_requests WHERE patron_id = $1", patron.record.patron_id
    )
    assert tuple(decided) == ("approved", "population_register")


async def test_an_event_about_someone_not_registered_is_ignored_and_nothing_is_kept(
    core: RegistryCore, population_register: PopulationRegisterClient, standin: RunningStandIn,
    register: Register, asker: RegistryClient, db: asyncpg.Connection, caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    await register(asker)
    stranger = next(generate_synthetic_national_ids(1, seed=uuid.uuid4().int % 1_000_000 + 7_000_000))
    standin.state.add_person(register_person(stranger, address=address("Ukjentveien 9")))
    standin.state.change(stranger, "doedsfall", status="doed")
    before = await _row_counts(db)

    with caplog.at_level(logging.DEBUG):
        round_ = await follow_once(core, population_register, death_action=WAIT)

    assert (round_.events, round_.applied.matched if round_.applied else None) == (2, 0)
    assert await _row_counts(db) == before  # no audit entry, request, change or record about them
    assert standin.state.calls_to("/api/v1/personer/bulkoppslag") == []  # never even looked up
    assert stranger not in caplog.text
    assert (await db.fetchval("SELECT last_sequence_number FROM population_feed_position")) == 2


async def _row_counts(db: asyncpg.Connection) -> dict[str, int]:
    tables = ["patrons", "change_feed", "erasure_requests", "erasure_ledger"]
    counts = {table: await db.fetchval(f"SELECT count(*) FROM {table}") for table in tables}  # noqa: S608
    # The sealer moves entries from audit_pending to audit_log meanwhile; together they count every access.
    counts["audit"] = await db.fetchval(
        "SELECT (SELECT count(*) FROM audit_pending) + (SELECT count(*) FROM audit_log)"
    )
    return counts


async def test_a_crash_between_pages_loses_no_event_and_applies_none_twice(
    core: RegistryCore, population_register: PopulationRegisterClient, standin: RunningStandIn,
    register: Register, asker: RegistryClient, db: asyncpg.Connection,
) -> None:  # fmt: skip
    """A full first page (1,000 events), then a page the job is killed in the middle of (while it waits for
    the bulk lookup, with the page's changes already written in its transaction)."""
    patron = await register(asker)
    standin.state.add_person(register_person(patron.national_id, address=address("Storgata 1")))
    for _ in range(FEED_PAGE_SIZE - 1):
        standin.state.add_event(patron.national_id, "flytting")
    first = await follow_once(core, population_register, death_action=WAIT)
    assert (first.events, first.position, first.more) == (FEED_PAGE_SIZE, FEED_PAGE_SIZE, True)
    standin.state.change(patron.national_id, "flytting", bostedsadresse=address("Langgata 7").model_dump())
    standin.state.change(patron.national_id, "navneendring", fornavn="Kari", etternavn="Berg")
    slow_lookup = StandInFault("/api/v1/personer/bulkoppslag", delay_seconds=30)
    standin.state.faults.append(slow_lookup)
    killed = asyncio.create_task(follow_once(core, population_register, death_action=WAIT))
    await asyncio.wait_for(slow_lookup.arrived.wait(), timeout=30)
    killed.cancel()
    with pytest.raises(asyncio.CancelledError):
        await killed
    assert await db.fetchval("SELECT last_sequence_number FROM population_feed_position") == FEED_PAGE_SIZE
    assert (await record(asker, patron.record.patron_id)).name != "Kari Berg"

    standin.state.faults.clear()
    second = await follow_once(core, population_register, death_action=WAIT)

    assert (second.events, second.position, second.more) == (2, FEED_PAGE_SIZE + 2, False)
    now = await record(asker, patron.record.patron_id)
    assert now.name == "Kari Berg"
    assert now.addresses[0].lines == ["Langgata 7"]
    # One update per page that changed something: the first page's move (then as Storgata 1), the second's.
    assert await updates_told(db, patron.record.patron_id) == [("asker", "updated")] * 2
    assert now.version == patron.record.version + 2


async def test_a_restored_backup_reapplies_the_events_from_its_stored_position(
    registry: RunningRegistry, registry_database_url: str, keys_dir: Path, standin: RunningStandIn,
    register: Register, asker: RegistryClient, tmp_path: Path,
) -> None:  # fmt: skip
    patron = await register(asker)
    standin.state.add_person(register_person(patron.national_id, address=address("Storgata 1")))
    client = population_register_client(settings_for(standin), KeyLayout(keys_dir))
    core = registry.runner.app[app_keys.CORE]
    await follow_once(core, client, death_action=WAIT)
    backup = tmp_path / "registry.dump"
    _pg_tool("pg_dump", "--format=custom", f"--file={backup}", f"--dbname={registry_database_url}")
    standin.state.change(patron.national_id, "flytting", bostedsadresse=address("Langgata 7").model_dump())
    await follow_once(core, client, death_action=WAIT)

    await registry.stop()
    _pg_tool("pg_restore", "--clean", "--if-exists", f"--dbname={registry_database_url}", str(backup))
    restored = await run_registry(registry_database_url, keys_dir, **CHEAP_PINS)
    try:
        async with registry_client(restored, keys_dir, "asker", retries=0) as asker_again:
            assert (await record(asker_again, patron.record.patron_id)).addresses[0].lines == ["Storgata 1"]
            round_ = await follow_once(restored.runner.app[app_keys.CORE], client, death_action=WAIT)
            assert (round_.events, round_.position) == (1, 2)
            assert (await record(asker_again, patron.record.patron_id)).addresses[0].lines == ["Langgata 7"]
    finally:
        await client.close()
        await restored.stop()
