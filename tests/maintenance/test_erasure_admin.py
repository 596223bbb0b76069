"""Deletion requests filed by a library, processed with `natreg admin deletion-requests`, erase for real."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import asyncpg
import pytest

from natreg.cli import main
from registry_contract.client import RegistryError, card_and_pin
from registry_contract.models import RegisterPatron
from registry_contract.national_id import generate_synthetic_national_ids
from tests.servers import registry_client, run_registry


async def _register_link_and_request(database_url: str, keys_dir: Path, national_id: str) -> tuple[uuid.UUID, str]:
    registry = await run_registry(database_url, keys_dir, pin_hash_time_cost=1, pin_hash_memory_kib=1024)
    try:
        async with (
            registry_client(registry, keys_dir, "asker") as asker,
            registry_client(registry, keys_dir, "sandnes") as sandnes,
        ):
            patron = await asker.register_patron(
                RegisterPatron(national_id=national_id, name="Erase Me", pin="4821", email="e@example.org"),
                idempotency_key=str(uuid.uuid4()),
            )
            # The patron is present at Sandnes (issue 9: a link needs the card and PIN).
            await sandnes.link(patron.patron_id, card_and_pin(patron.card_number, "4821"))
            receipt = await sandnes.file_erasure_request(patron.patron_id, "deletion")
            again = await asker.file_erasure_request(patron.patron_id, "deletion")
            assert again.request_id == receipt.request_id
            return receipt.request_id, patron.card_number
    finally:
        await registry.stop()


async def _after_erasure(database_url: str, keys_dir: Path, national_id: str, card_number: str) -> None:
    registry = await run_registry(database_url, keys_dir, pin_hash_time_cost=1, pin_hash_memory_kib=1024)
    try:
        for library_id in ("asker", "sandnes"):
            async with registry_client(registry, keys_dir, library_id) as client:
                page = await client.changes(None, limit=1000)
                assert page.changes[-1].change == "deleted"
                with pytest.raises(RegistryError) as by_card:
                    await client.lookup_by_card(card_number)
                assert by_card.value.code == "patron_not_found"
                with pytest.raises(RegistryError) as by_id:
                    await client.lookup_by_national_id(national_id)
                assert by_id.value.code == "patron_not_found"
    finally:
        await registry.stop()


def test_approved_deletion_request_erases_everywhere(
    monkeypatch: pytest.MonkeyPatch, registry_database_url: str, own_keys_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NATREG_REGISTRY_DATABASE_URL", registry_database_url)
    monkeypatch.setenv("NATREG_REGISTRY_KEYS_DIR", str(own_keys_dir))
    monkeypatch.setenv("NATREG_REGISTRY_DATA_DIR", str(own_keys_dir.parent / "registry-data"))
    monkeypatch.setenv("NATREG_ADMIN", "ops-anna")
    national_id = next(generate_synthetic_national_ids(1, seed=99))
    request_id, card_number = asyncio.run(_register_link_and_request(registry_database_url, own_keys_dir, national_id))

    assert main(["admin", "deletion-requests", "list"]) == 0
    listing = capsys.readouterr().out
    assert str(request_id) in listing
    assert "1 request(s)" in listing
    assert main(["admin", "deletion-requests", "show", str(request_id)]) == 0
    shown = capsys.readouterr().out
    assert f"card {card_number}" in shown
    assert "libraries asker, sandnes" in shown
    _sql(registry_database_url, BACKUP_TAKEN)
    assert main(["admin", "deletion-requests", "approve", str(request_id), "--note", "patron asked in person"]) == 0
    assert "approved: patron erased" in capsys.readouterr().out
    assert main(["admin", "deletion-requests", "approve", str(request_id)]) == 2
    assert "erasure_request_decided" in capsys.readouterr().err

    asyncio.run(_after_erasure(registry_database_url, own_keys_dir, national_id, card_number))

    async def leftovers() -> dict[str, int]:
        connection = await asyncpg.connect(registry_database_url)
        try:
            return {
                table: int(await connection.fetchval(f"SELECT count(*) FROM {table}"))  # noqa: S608 - fixed names
                for table in ("patrons", "patron_libraries", "replaced_cards", "erasure_ledger")
            }
        finally:
            await connection.close()

    assert asyncio.run(leftovers()) == {"patrons": 0, "patron_libraries": 0, "replaced_cards": 0, "erasure_ledger": 1}
    assert main(["registry", "audit", "verify"]) == 0
    assert main(["admin", "deletion-requests", "list", "--status", "approved"]) == 0
    assert str(request_id) in capsys.readouterr().out
    # Nothing is left to re-erase while the database is as it was.
    assert main(["admin", "erasure", "reapply"]) == 0
    assert "0 patron(s)" in capsys.readouterr().out

    # Patron data restored from a backup taken before the erasure (the ledger survived): reapply erases again.
    _sql(registry_database_url, BACKUP_RESTORED)
    assert asyncio.run(leftovers())["patrons"] == 1
    assert main(["admin", "erasure", "reapply"]) == 0
    assert "1 patron(s)" in capsys.readouterr().out
    assert asyncio.run(leftovers())["patrons"] == 0
    assert main(["registry", "audit", "verify"]) == 0


BACKUP_TAKEN = """
    CREATE TABLE backup_patrons AS SELECT * FROM patrons;
    CREATE TABLE backup_links AS SELECT * FROM patron_libraries;
"""
BACKUP_RESTORED = """
    INSERT INTO patrons SELECT * FROM backup_patrons;
    INSERT INTO patron_libraries SELECT * FROM backup_links;
    DROP TABLE backup_patrons, backup_links;
"""


def _sql(database_url: str, statements: str) -> None:
    async def run() -> None:
        connection = await asyncpg.connect(database_url)
        try:
            await connection.execute(statements)
        finally:
            await connection.close()

    asyncio.run(run())
