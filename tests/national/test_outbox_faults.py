"""Library writes under faults: a registry database outage, a registry answering 500, a double-submitted form,
an entry that cannot be applied, two delivery loops at once, a correction meeting a newer version.

Every write must arrive at the registry exactly once, and nothing may wedge the outbox.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from local_library.registry_link.national import DELIVERERS
from local_library.registry_link.outbox import deliver_pending
from local_library.registry_link.sync import OUTBOX_CIPHER
from registry.app import RunningRegistry, start_registry
from registry.patrons.national_id import generate_synthetic_national_id
from registry.settings import RegistrySettings
from tests.national.conftest import ADMIN_PASSWORD, Node, NodeFactory, trusting_session
from tests.outage import count, separate_cluster
from tests.servers import registry_client, run_library, run_registry

PIN = "4821"
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
        "preferred_contact": "email",
    }
    body.update(overrides)
    return body


@pytest.fixture
async def start_syncing_node(
    make_library_database: Callable[[], Awaitable[str]], keys_dir: Path, tmp_path: Path
) -> AsyncIterator[Callable[[str, str], Awaitable[Node]]]:
    """A node whose background sync loop runs (every half second), as in production."""
    nodes: list[Node] = []
    password_file = tmp_path / "admin-password"
    password_file.write_text(ADMIN_PASSWORD)

    async def start(library_id: str, registry_url: str) -> Node:
        library = await run_library(
            library_id, await make_library_database(), keys_dir, registry_url,
            bootstrap_admin_password_file=password_file, registry_sync_enabled=True,
            registry_sync_interval_seconds=0.5, data_dir=tmp_path / library_id,
            local_pin_pepper_path=tmp_path / f"{library_id}-pepper.key",
        )  # fmt: skip
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


async def test_a_registry_database_outage_loses_no_desk_write(
    keys_dir: Path, start_syncing_node: Callable[[str, str], Awaitable[Node]]
) -> None:
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
