"""Key rotation while the registry serves: every lookup keeps working, through the typed client."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import asyncpg

from plumbing.keys.layout import KeyLayout
from plumbing.keys.pki import add_key_encryption_key
from registry.crypto.keyring import KeyRing
from registry.crypto.rotation import rotate_data_keys
from registry_contract.models import ContactUpdate, PostalAddress, RegisterPatron
from registry_contract.national_id import generate_synthetic_national_ids
from tests.servers import registry_client, run_registry


async def test_rotation_runs_online_without_failing_a_request(registry_database_url: str, own_keys_dir: Path) -> None:
    registry = await run_registry(registry_database_url, own_keys_dir, pin_hash_time_cost=1, pin_hash_memory_kib=1024)
    try:
        async with registry_client(registry, own_keys_dir, "asker") as asker:
            cards = []
            for number, national_id in enumerate(generate_synthetic_national_ids(40, seed=21)):
                patron = RegisterPatron(
                    national_id=national_id, name=f"Rotating Person {number}", pin="4821",
                    addresses=[PostalAddress(lines=[f"Vei {number}"], postal_code="1383", city="Asker")],
                    preferred_contact="letter",
                )  # fmt: skip
                cards.append((await asker.register_patron(patron, idempotency_key=str(uuid.uuid4()))).card_number)

            add_key_encryption_key(own_keys_dir)
            keyring = KeyRing.load(KeyLayout(own_keys_dir).registry_data_dir)
            pool = await asyncpg.create_pool(registry_database_url, min_size=1, max_size=2)
            try:
                rotation = asyncio.create_task(rotate_data_keys(pool, keyring, batch_size=3))
                lookups = 0
                while not rotation.done():
                    for card in cards[::7]:
                        assert (await asker.lookup_by_card(card)).card_number == card
                        lookups += 1
                report = await rotation
                assert report.remaining == 0
                assert report.rewrapped == 40
                assert lookups > 0
                versions = await pool.fetch("SELECT DISTINCT kek_version FROM patrons")
                assert [row["kek_version"] for row in versions] == [2]
            finally:
                await pool.close()

            # The running registry picked up version 2 without a restart: it reads and writes under it.
            patron = await asker.lookup_by_card(cards[0])
            changed = await asker.update_contact(
                patron.patron_id, ContactUpdate(name="Renamed After Rotation"), version=patron.version
            )
            assert changed.name == "Renamed After Rotation"
            assert changed.version == patron.version + 1
    finally:
        await registry.stop()
