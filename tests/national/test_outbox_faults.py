"""Library writes under faults: a registry database outage, a registry answering 500, a double-submitted form,
an entry that cannot be applied, two delivery loops at once, a correction meeting a newer version.

Every write must arrive at the registry exactly once, and nothing may wedge the outbox.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import re
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol

import asyncpg
import pytest

from local_library.app_keys import REGISTRY_LINK, SETTINGS
from local_library.registry_link.national import DELIVERERS
from local_library.registry_link.outbox import deliver_pending
from registry.app import RunningRegistry, start_registry
from registry.settings import RegistrySettings
from registry_contract.national_id import generate_synthetic_national_id
from tests.national.conftest import ADMIN_PASSWORD, Node, NodeFactory, trusting_session
from tests.national.test_erasure_end_to_end import PG_BIN
from tests.outage import count, execute, separate_cluster
from tests.servers import registry_client, run_library, run_registry

PIN = "4821"
CONTACT = "national-contact"
CHEAP_PINS: dict[str, object] = {"pin_hash_time_cost": 1, "pin_hash_memory_kib": 1024}
AUDITED = "SELECT (SELECT count(*) FROM audit_pending WHERE operation = $1) + (SELECT count(*) FROM audit_log "
AUDITED += "WHERE operation = $1)"


def registration(seed: int, **overrides: Any) -> dict[str, Any]:
    birth_date = dt.date(1960, 1, 1) + dt.timedelta(days=seed * 37)
    body: dict[str, Any] = {
        "national_id": generate_synthetic_national_id(random.Random(seed), birth_date=birth_date),
        "pin": PIN,
        "name": f"Person Nummer{seed}",
        "email": f"person{seed}@example.org",
        "phone_numbers": ["+47 41000001"],
        "addresses": [{"lines": ["Langgata 1"], "postal_code": "4306", "city": "Sandnes"}],  # Sandnes asks for one
        "preferred_contact": "email",
    }
    body.update(overrides)
    return body


class StartNode(Protocol):
    def __call__(self, library_id: str, registry_url: str, **overrides: object) -> Awaitable[Node]: ...


@pytest.fixture
async def start_syncing_node(
    make_library_database: Callable[[], Awaitable[str]], keys_dir: Path, tmp_path: Path
) -> AsyncIterator[StartNode]:
    """A node whose background sync loop runs (every half second), as in production."""
    nodes: list[Node] = []
    password_file = tmp_path / "admin-password"
    password_file.write_text(ADMIN_PASSWORD)

    async def start(library_id: str, registry_url: str, **overrides: object) -> Node:
        options: dict[str, object] = {
            "bootstrap_admin_password_file": password_file, "registry_sync_enabled": True,
            "registry_sync_interval_seconds": 0.5, "data_dir": tmp_path / library_id,
            "local_pin_pepper_path": tmp_path / f"{library_id}-pepper.key",
        }  # fmt: skip
        library = await run_library(
            library_id, await make_library_database(), keys_dir, registry_url, **(options | overrides)
        )
        node = Node(library, trusting_session(keys_dir))
        nodes.append(node)
        node.token = (await node.ok("POST", "/api/staff/login", {"username": "admin", "password": ADMIN_PASSWORD}))[
            "token"
        ]
        return node

    yield start
    for node in nodes:
        await node.stop()


async def _until_outbox_settled(node: Node, *, seconds: float = 90) -> list[dict[str, Any]]:
    """Wait (without any staff action) until the node owes the registry nothing more."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        outbox = await node.ok("GET", "/api/staff/registry-outbox")
        if all(entry["status"] != "pending" for entry in outbox):
            return list(outbox)
        assert asyncio.get_running_loop().time() < deadline, outbox
        await asyncio.sleep(0.25)


async def test_a_registry_database_outage_loses_no_desk_write(keys_dir: Path, start_syncing_node: StartNode) -> None:
    async with separate_cluster() as cluster:
        registry = await run_registry(cluster.database_url, keys_dir, **CHEAP_PINS)
        try:
            asker = await start_syncing_node("asker", registry.api_url)
            status, before = await asker.call("POST", "/api/staff/national-patrons", registration(0))
            assert status == 201, before
            corrected_id = before["patron"]["patron_id"]

            await cluster.stop()
            queued = []
            for seed in range(1, 8):
                status, answer = await asker.call("POST", "/api/staff/national-patrons", registration(seed))
                assert (status, answer["registry"]) == (202, "queued"), answer
                queued.append(answer["patron"]["patron_id"])
            status, correction = await asker.call(
                "PATCH", f"/api/staff/patrons/{corrected_id}/national-contact", {"email": "ny.adresse@example.org"}
            )
            assert (status, correction["registry"]) == (202, "queued"), correction
            await asyncio.sleep(1)  # the background loop tries (and fails) meanwhile
            await cluster.start()

            outbox = await _until_outbox_settled(asker)
            assert sorted(entry["status"] for entry in outbox) == ["delivered"] * 9
            assert await count(cluster.database_url, "SELECT count(*) FROM patrons") == 8
            assert await count(cluster.database_url, AUDITED, "register") == 8
            assert await count(cluster.database_url, AUDITED, "update_contact") == 1
            for patron_id in queued:
                account = await asker.ok("GET", f"/api/staff/patrons/{patron_id}")
                assert len(account["patron"]["card_number"]) == 10
            async with registry_client(registry, keys_dir, "asker") as client:
                card = before["patron"]["card_number"]
                assert (await client.lookup_by_card(card)).email == "ny.adresse@example.org"
        finally:
            await registry.stop()


async def _waiting_for_staff(node: Node) -> list[dict[str, Any]]:
    return [entry for entry in await node.ok("GET", "/api/staff/registry-outbox") if entry["status"] == "needs_staff"]


async def _restarted(registry: RunningRegistry, settings: RegistrySettings) -> RunningRegistry:
    """The same registry again, on the same port (nodes keep their URL)."""
    return await start_registry(settings.model_copy(update={"port": int(registry.api_url.rsplit(":", 1)[1])}))


def _registry_settings(database_url: str, keys_dir: Path) -> RegistrySettings:
    return RegistrySettings(
        database_url=database_url, keys_dir=keys_dir, port=0, health_port=0, public_port=0, admin_port=0,
        allow_synthetic_national_ids=True, **CHEAP_PINS,  # type: ignore[arg-type]
    )  # fmt: skip


async def test_a_registry_answering_500_keeps_the_write_pending_until_it_is_delivered(
    registry: RunningRegistry, registry_database_url: str, start_node: NodeFactory
) -> None:
    asker = await start_node("asker", registry.api_url)
    # A real fault of the registry (not an outage it can recognise): it answers 500 internal_error.
    await execute(registry_database_url, "ALTER TABLE idempotent_requests RENAME TO idempotent_requests_gone")
    status, queued = await asker.call("POST", "/api/staff/national-patrons", registration(21))
    assert (status, queued["registry"], queued["registry_reachable"]) == (202, "queued", False), queued
    report = await asker.ok("POST", "/api/staff/registry-sync")
    assert report["delivery"]["postponed"] == 1
    [entry] = await asker.ok("GET", "/api/staff/registry-outbox")
    assert (entry["status"], entry["last_error"]) == ("pending", "registry_unavailable")

    await execute(registry_database_url, "ALTER TABLE idempotent_requests_gone RENAME TO idempotent_requests")
    report = await asker.ok("POST", "/api/staff/registry-sync")
    assert report["delivery"]["delivered"] == 1
    assert await count(registry_database_url, "SELECT count(*) FROM patrons") == 1
    account = await asker.ok("GET", f"/api/staff/patrons/{queued['patron']['patron_id']}")
    assert len(account["patron"]["card_number"]) == 10


async def test_a_double_submitted_registration_makes_one_patron_and_wedges_nothing(
    registry: RunningRegistry, registry_database_url: str, start_node: NodeFactory
) -> None:
    asker = await start_node("asker", registry.api_url)
    body = registration(22)
    answers = await asyncio.gather(*(asker.call("POST", "/api/staff/national-patrons", body) for _ in range(2)))
    by_status = dict(answers)
    assert sorted(by_status) == [201, 409], answers
    assert by_status[409]["code"] == "already_registered_here"
    patron = by_status[201]["patron"]
    assert by_status[409]["patron"]["patron_id"] == patron["patron_id"]
    assert by_status[409]["patron"]["card_number"] == patron["card_number"]

    # Once more, after the first one is done: someone already registered here is refused with their record.
    status, again = await asker.call("POST", "/api/staff/national-patrons", body)
    assert (status, again["code"], again["patron"]["patron_id"]) == (
        409,
        "already_registered_here",
        patron["patron_id"],
    )

    # Nothing is wedged: the next national operation at this desk goes through at once.
    corrected = await asker.ok(
        "PATCH", f"/api/staff/patrons/{patron['patron_id']}/national-contact", {"email": "rettet@example.org"}
    )
    assert corrected["registry"] == "done"
    outbox = await asker.ok("GET", "/api/staff/registry-outbox")
    assert {entry["status"] for entry in outbox} == {"delivered"}
    assert await count(registry_database_url, "SELECT count(*) FROM patrons") == 1
    assert await count(registry_database_url, AUDITED, "register") == 1


async def test_an_entry_that_cannot_be_applied_waits_for_staff_and_blocks_no_other(
    registry_database_url: str, keys_dir: Path, start_node: NodeFactory
) -> None:
    settings = _registry_settings(registry_database_url, keys_dir)
    registry = await start_registry(settings)
    asker = await start_node("asker", registry.api_url)
    body = registration(23)
    status, first = await asker.call("POST", "/api/staff/national-patrons", body)
    assert status == 201, first
    # The same person also holds an old local card here, with history: that record cannot simply be folded.
    birth_date = first["patron"]["birth_date"]
    local = await asker.ok(
        "POST", "/api/staff/patrons",
        {"name": "Samme Person", "birth_date": birth_date, "email": "s@example.org", "preferred_contact": "email"},
    )  # fmt: skip
    await registry.stop()
    status, upgrade = await asker.call(
        "POST",
        f"/api/staff/patrons/{local['patron_id']}/national-upgrade",
        {"national_id": body["national_id"], "pin": PIN},
    )
    assert status == 202, upgrade
    status, other = await asker.call("POST", "/api/staff/national-patrons", registration(24))
    assert status == 202, other

    registry = await _restarted(registry, settings)
    try:
        report = await asker.ok("POST", "/api/staff/registry-sync")
        assert (report["delivery"]["delivered"], report["delivery"]["needs_staff"]) == (1, 1)
        account = await asker.ok("GET", f"/api/staff/patrons/{other['patron']['patron_id']}")
        assert len(account["patron"]["card_number"]) == 10
        waiting = [
            entry for entry in await asker.ok("GET", "/api/staff/registry-outbox") if entry["status"] == "needs_staff"
        ]
        assert [(entry["patron_id"], entry["last_error"]) for entry in waiting] == [
            (local["patron_id"], "already_registered_here")
        ]
        outbox_id = waiting[0]["outbox_id"]

        # Staff retry it (still impossible), then discard it; the local card stays as it was.
        assert (await asker.ok("POST", f"/api/staff/registry-outbox/{outbox_id}/retry"))["status"] == "pending"
        report = await asker.ok("POST", "/api/staff/registry-sync")
        assert report["delivery"]["needs_staff"] == 1
        await asker.ok("POST", f"/api/staff/registry-outbox/{outbox_id}/discard")
        status, refused = await asker.call("POST", f"/api/staff/registry-outbox/{outbox_id}/discard")
        assert (status, refused["code"]) == (409, "outbox_entry_not_waiting")
        statuses = {
            entry["outbox_id"]: entry["status"] for entry in await asker.ok("GET", "/api/staff/registry-outbox")
        }
        assert statuses[outbox_id] == "discarded"
        assert set(statuses.values()) == {"delivered", "discarded"}
        assert (await asker.ok("GET", f"/api/staff/patrons/{local['patron_id']}"))["patron"]["kind"] == "local"
        assert await count(registry_database_url, "SELECT count(*) FROM patrons") == 2
    finally:
        await registry.stop()


async def test_two_delivery_loops_on_one_database_deliver_each_entry_once(
    registry_database_url: str, keys_dir: Path, start_node: NodeFactory
) -> None:
    settings = _registry_settings(registry_database_url, keys_dir)
    registry = await start_registry(settings)
    asker = await start_node("asker", registry.api_url)
    await registry.stop()
    for seed in range(30, 42):
        status, _ = await asker.call("POST", "/api/staff/national-patrons", registration(seed))
        assert status == 202
    registry = await _restarted(registry, settings)
    app = asker.library.runner.app
    assert app is not None
    database_url = app[SETTINGS].database_url
    assert database_url is not None
    pools = [await asyncpg.create_pool(database_url, min_size=1, max_size=2) for _ in range(2)]
    try:
        async with (
            registry_client(registry, keys_dir, "asker") as first,
            registry_client(registry, keys_dir, "asker") as second,
        ):
            reports = await asyncio.gather(
                *(
                    deliver_pending(pool, client, app[REGISTRY_LINK].cipher, DELIVERERS, ignore_backoff=True)
                    for pool, client in zip(pools, (first, second), strict=True)
                )
            )
        assert sum(report.delivered for report in reports) == 12
        assert all(report.delivered for report in reports), reports  # both loops really worked at once
        outbox = await asker.ok("GET", "/api/staff/registry-outbox")
        # One failed attempt at the desk (registry away), then exactly one delivery each.
        assert [(entry["status"], entry["attempts"]) for entry in outbox] == [("delivered", 2)] * 12
        assert await count(registry_database_url, AUDITED, "register") == 12
    finally:
        for pool in pools:
            await pool.close()
        await registry.stop()


async def test_a_correction_meeting_a_newer_version_is_rebased_or_shown_to_staff(
    registry: RunningRegistry, start_node: NodeFactory, keys_dir: Path
) -> None:
    asker = await start_node("asker", registry.api_url)
    sandnes = await start_node("sandnes", registry.api_url)
    status, registered = await asker.call("POST", "/api/staff/national-patrons", registration(25))
    assert status == 201, registered
    card, at_asker = registered["patron"]["card_number"], registered["patron"]["patron_id"]
    link = {"card_number": card, "pin": PIN}
    at_sandnes = (await sandnes.ok("POST", "/api/staff/national-patrons/link", link))["patron_id"]

    # Sandnes changes the e-mail; Asker (not synced since) corrects the phone: different fields, both kept.
    await sandnes.ok("PATCH", f"/api/staff/patrons/{at_sandnes}/national-contact", {"email": "fra.sandnes@example.org"})
    rebased = await asker.ok(
        "PATCH", f"/api/staff/patrons/{at_asker}/national-contact", {"phone_numbers": ["+47 99988877"]}
    )
    assert rebased["registry"] == "done"
    async with registry_client(registry, keys_dir, "asker") as client:
        record = await client.lookup_by_card(card)
        assert (record.email, record.phone_numbers) == ("fra.sandnes@example.org", ["+47 99988877"])

        # Both change the name, to different values: a person must decide; the desk is told, nothing is lost.
        await sandnes.ok("PATCH", f"/api/staff/patrons/{at_sandnes}/national-contact", {"name": "Navn Fra Sandnes"})
        conflict = await asker.ok(
            "PATCH", f"/api/staff/patrons/{at_asker}/national-contact", {"name": "Navn Fra Asker"}
        )
        assert conflict["registry"] == "needs_staff"
        assert conflict["registry_refusal"]["code"] == "correction_conflict"
        assert (await client.lookup_by_card(card)).name == "Navn Fra Sandnes"
    [waiting] = [
        entry for entry in await asker.ok("GET", "/api/staff/registry-outbox") if entry["status"] == "needs_staff"
    ]
    assert (waiting["operation"], waiting["last_error"]) == ("update_contact", "correction_conflict")


TIMESTAMP_OR_UUID = re.compile(
    rb"^(\d{4}-\d{2}-\d{2} [0-9:.+]+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$"
)


def _dump(database_url: str) -> bytes:
    return subprocess.run(  # noqa: S603 - PostgreSQL's own tool, on our own test database
        [str(PG_BIN / "pg_dump"), "--format=plain", f"--dbname={database_url}"], check=True, capture_output=True
    ).stdout


def _assert_no_clear_text(dump: bytes, national_ids: list[str], pins: list[str]) -> None:
    for national_id in national_ids:
        assert national_id.encode() not in dump
        assert f"{national_id[:6]} {national_id[6:]}".encode() not in dump
    # A four-digit PIN occurs by chance inside hex, UUIDs and timestamps: look where a stored PIN would be.
    for field in re.split(rb"[\t\n]", dump):
        if field.startswith(b"\\\\x") or TIMESTAMP_OR_UUID.match(field):
            continue
        for pin in pins:
            assert re.search(rb"(?<![0-9])" + pin.encode() + rb"(?![0-9])", field) is None, field


async def test_queued_national_ids_and_pins_are_never_in_clear_text_and_expire(
    registry_database_url: str, keys_dir: Path, start_syncing_node: StartNode
) -> None:
    settings = _registry_settings(registry_database_url, keys_dir)
    registry = await start_registry(settings)
    # A tiny age limit (seconds) stands for the default three days.
    asker = await start_syncing_node("asker", registry.api_url, outbox_payload_max_age_hours=10 / 3600)
    await registry.stop()
    bodies = [registration(50, pin="7394"), registration(51, pin="5062")]
    for body in bodies:
        status, answer = await asker.call("POST", "/api/staff/national-patrons", body)
        assert status == 202, answer
    app = asker.library.runner.app
    assert app is not None
    database_url = app[SETTINGS].database_url
    assert database_url is not None
    national_ids, pins = [body["national_id"] for body in bodies], [body["pin"] for body in bodies]
    assert await count(database_url, "SELECT count(*) FROM registry_outbox WHERE payload_ciphertext IS NOT NULL") == 2
    _assert_no_clear_text(_dump(database_url), national_ids, pins)

    # After the age limit the payloads are destroyed, and staff see why.
    deadline = asyncio.get_running_loop().time() + 60
    while len(waiting := await _waiting_for_staff(asker)) < 2:
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.25)
    assert {entry["last_error"] for entry in waiting} == {"payload_expired"}
    assert await count(database_url, "SELECT count(*) FROM registry_outbox WHERE payload_ciphertext IS NOT NULL") == 0
    _assert_no_clear_text(_dump(database_url), national_ids, pins)
    status, refused = await asker.call("POST", f"/api/staff/registry-outbox/{waiting[0]['outbox_id']}/retry")
    assert (status, refused["code"]) == (409, "outbox_payload_gone")
    assert (await asker.ok("POST", f"/api/staff/registry-outbox/{waiting[0]['outbox_id']}/discard"))["status"]

    registry = await _restarted(registry, settings)
    try:
        await asker.ok("POST", "/api/staff/registry-sync")
        assert await count(registry_database_url, "SELECT count(*) FROM patrons") == 0
    finally:
        await registry.stop()


async def test_a_desk_request_never_runs_a_sync_round(
    registry: RunningRegistry, start_node: NodeFactory, start_syncing_node: StartNode
) -> None:
    asker = await start_node("asker", registry.api_url)  # no background loop
    status, registered = await asker.call("POST", "/api/staff/national-patrons", registration(60))
    assert status == 201, registered
    patron_id = registered["patron"]["patron_id"]
    corrected = await asker.ok("PATCH", f"/api/staff/patrons/{patron_id}/{CONTACT}", {"email": "ny@example.org"})
    assert corrected["registry"] == "done"
    app = asker.library.runner.app
    assert app is not None
    database_url = app[SETTINGS].database_url
    assert database_url is not None
    # Only the patron's own writes went out: the change feed was not followed (no cursor was ever saved).
    assert await count(database_url, "SELECT count(*) FROM registry_feed_position") == 0

    # With the loop running, the desk wakes it: the feed is followed without waiting for the interval.
    sandnes = await start_syncing_node("sandnes", registry.api_url, registry_sync_interval_seconds=3600)
    sandnes_app = sandnes.library.runner.app
    assert sandnes_app is not None
    sandnes_database = sandnes_app[SETTINGS].database_url
    assert sandnes_database is not None
    followed_at = (
        "SELECT coalesce(max(extract(epoch FROM updated_at) * 1000000), 0)::bigint FROM registry_feed_position"
    )
    deadline = asyncio.get_running_loop().time() + 30
    while not (before := await count(sandnes_database, followed_at)):  # the loop's first round, at start
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.1)
    status, registered = await sandnes.call("POST", "/api/staff/national-patrons", registration(61))
    assert status == 201, registered
    deadline = asyncio.get_running_loop().time() + 30
    while await count(sandnes_database, followed_at) == before:
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.1)


async def test_a_registration_repeated_while_the_registry_is_away_is_folded_when_delivered(
    registry_database_url: str, keys_dir: Path, start_node: NodeFactory
) -> None:
    settings = _registry_settings(registry_database_url, keys_dir)
    registry = await start_registry(settings)
    asker = await start_node("asker", registry.api_url)
    await registry.stop()
    body = registration(70)
    first, second = [await asker.call("POST", "/api/staff/national-patrons", body) for _ in range(2)]
    assert (first[0], second[0]) == (202, 202)
    registry = await _restarted(registry, settings)
    try:
        report = await asker.ok("POST", "/api/staff/registry-sync")
        assert (report["delivery"]["delivered"], report["delivery"]["needs_staff"]) == (2, 0)
        kept, duplicate = first[1]["patron"]["patron_id"], second[1]["patron"]["patron_id"]
        assert len((await asker.ok("GET", f"/api/staff/patrons/{kept}"))["patron"]["card_number"]) == 10
        status, gone = await asker.call("GET", f"/api/staff/patrons/{duplicate}")
        assert (status, gone["code"]) == (404, "patron_not_found")
        outbox = await asker.ok("GET", "/api/staff/registry-outbox")
        assert {(entry["patron_id"], entry["folded_from"]) for entry in outbox} == {(kept, None), (kept, duplicate)}
        assert await count(registry_database_url, "SELECT count(*) FROM patrons") == 1
    finally:
        await registry.stop()
