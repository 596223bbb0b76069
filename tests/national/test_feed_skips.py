"""A registry record a node cannot apply is recorded and skipped; the node keeps following the feed.

The bad records are written straight into the registry's database (encrypted with its real keys), as a
record stored before the control-character rule existed, or by any path that bypassed validation, would be.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import asyncpg

from plumbing.keys.layout import KeyLayout
from registry.app import RunningRegistry
from registry.crypto.envelope import FieldCipher
from registry.crypto.keyring import KeyRing
from registry.feed.store import record_change
from registry.patrons import store
from tests.national.conftest import NodeFactory
from tests.national.test_national_flows import PIN, _adult_registration

UNREADABLE_NAME = "Nora\x00Nasjonal"
UNSTORABLE_NAME = "Nora " + "Nasjonalsdatter" * 20  # over the node's 200 characters


async def _overwrite_name(registry_database_url: str, keys_dir: Path, patron_id: uuid.UUID, name: str) -> None:
    """Change a patron's name in the registry's database, bypassing every validation, and feed the change."""
    keyring = KeyRing.load(KeyLayout(keys_dir).registry_data_dir)
    connection = await asyncpg.connect(registry_database_url)
    try:
        async with connection.transaction():
            row = await connection.fetchrow(
                "SELECT patron_id, wrapped_data_key FROM patrons WHERE patron_id = $1", patron_id
            )
            cipher = FieldCipher(store.data_key_of(keyring, row), patron_id)
            await connection.execute(
                "UPDATE patrons SET name_ciphertext = $2 WHERE patron_id = $1", patron_id, cipher.encrypt("name", name)
            )
            version = await store.bump_version(connection, patron_id)
            libraries = await store.linked_libraries(connection, patron_id)
            await record_change(connection, patron_id, "updated", libraries, version)
    finally:
        await connection.close()


async def test_records_the_node_cannot_apply_are_skipped_and_later_changes_arrive(
    registry: RunningRegistry, registry_database_url: str, keys_dir: Path, start_node: NodeFactory
) -> None:
    asker = await start_node("asker", registry.api_url)
    sandnes = await start_node("sandnes", registry.api_url)
    patrons: list[dict[str, Any]] = []
    registry_ids: dict[str, uuid.UUID] = {}
    asker_ids: dict[str, str] = {}
    for seed in (11, 12, 13):
        _, registered = await _adult_registration(asker, seed=seed)
        card = registered["patron"]["card_number"]
        linked = await sandnes.ok("POST", "/api/staff/national-patrons/link", {"card_number": card, "pin": PIN})
        patrons.append(linked)
        registry_ids[linked["patron_id"]] = uuid.UUID(registered["patron"]["registry_patron_id"])
        asker_ids[linked["patron_id"]] = registered["patron"]["patron_id"]
    for node in (asker, sandnes):  # both at the registry's current versions
        await node.ok("POST", "/api/staff/registry-sync")
    unreadable, unstorable, good = patrons

    await _overwrite_name(registry_database_url, keys_dir, registry_ids[unreadable["patron_id"]], UNREADABLE_NAME)
    await _overwrite_name(registry_database_url, keys_dir, registry_ids[unstorable["patron_id"]], UNSTORABLE_NAME)
    correction = {"addresses": [{"lines": ["Langgata 20"], "postal_code": "4306", "city": "Sandnes"}]}
    corrected = await asker.ok(
        "PATCH", f"/api/staff/patrons/{asker_ids[good['patron_id']]}/national-contact", correction
    )
    assert corrected["registry"] == "done", corrected

    report = await sandnes.ok("POST", "/api/staff/registry-sync")
    assert report["follow"]["skipped"] == 2, report
    assert report["follow"]["refreshed"] >= 1, report
    at_sandnes = await sandnes.ok("GET", f"/api/staff/patrons/{good['patron_id']}")
    assert at_sandnes["patron"]["postal_address"] == "Langgata 20, 4306 Sandnes"
    for skipped_patron in (unreadable, unstorable):
        kept = await sandnes.ok("GET", f"/api/staff/patrons/{skipped_patron['patron_id']}")
        assert kept["patron"]["name"] == "Nora Nasjonal"

    skipped = await sandnes.ok("GET", "/api/staff/registry-feed/skipped")
    assert sorted((entry["registry_patron_id"], entry["code"], entry["sqlstate"]) for entry in skipped) == sorted(
        [
            (str(registry_ids[unreadable["patron_id"]]), "record_unreadable", None),
            (str(registry_ids[unstorable["patron_id"]]), "record_not_storable", "23514"),
        ]
    )
    assert "Nora" not in str(skipped)

    # The cursor moved past them: the next round neither skips them again nor stops.
    again = await sandnes.ok("POST", "/api/staff/registry-sync")
    assert again["follow"] == {"refreshed": 0, "tombstones": 0, "skipped": 0}
