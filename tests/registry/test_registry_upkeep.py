"""Background upkeep of a running registry: the audit sealer outlives any failure, and the erasure ledger
file and table are reconciled both ways (a lost append and a database restored from an older backup)."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest

from plumbing.keys.layout import KeyLayout
from registry import app_keys
from registry.app import RunningRegistry
from registry.audit.sealer import MAX_BACKOFF_SECONDS, SEAL_INTERVAL_SECONDS, backoff_seconds
from registry.erasure.ledger_file import ErasureLedgerFile
from registry.patrons.core import Caller
from registry.patrons.erasure import erase_patron
from registry_contract.client import RegistryClient
from registry_contract.models import RegisterPatron
from registry_contract.national_id import generate_synthetic_national_ids
from tests.registry.conftest import CHEAP_PINS
from tests.servers import registry_client, run_registry


async def _health(registry: RunningRegistry) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session, session.get(registry.health_url) as response:
        body: dict[str, Any] = await response.json()
        return body


async def _eventually(check: Callable[[], Any], what: str, *, seconds: float = 20) -> None:
    """Wait for background work to reach a state (the behaviour is checked, not the time it takes)."""
    for _ in range(int(seconds * 10)):
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"never happened: {what}")


async def _register(client: RegistryClient, national_id: str) -> uuid.UUID:
    record = await client.register_patron(
        RegisterPatron(national_id=national_id, name="Upkeep Testperson", pin="4821", email="u@example.org"),
        idempotency_key=str(uuid.uuid4()),
    )
    return record.patron_id


@pytest.fixture
def national_ids() -> list[str]:
    return list(generate_synthetic_national_ids(3, seed=uuid.uuid4().int % 1_000_000))


async def test_the_audit_sealer_survives_a_failure_and_reports_it(
    registry_database_url: str, own_keys_dir: Path, national_ids: list[str]
) -> None:
    registry = await run_registry(registry_database_url, own_keys_dir, **CHEAP_PINS)
    stray_key = KeyLayout(own_keys_dir).registry_data_dir / "kek-backup.key"
    try:
        async with registry_client(registry, own_keys_dir, "asker", retries=0) as client:
            await _register(client, national_ids[0])

            async def sealed() -> bool:
                health = await _health(registry)
                return health["audit_unsealed"] == 0 and health["status"] == "ok"

            await _eventually(sealed, "the first registration is sealed")
            # An operator's stray file in the key folder makes loading the key ring fail (not a database
            # or network error): the sealer fails with it, and says so.
            stray_key.write_text("not a key\n")

            async def failing() -> bool:
                return any("audit sealer is failing" in warning for warning in (await _health(registry))["warnings"])

            await _eventually(failing, "/health reports the failing sealer")
            stray_key.unlink()
            await _register(client, national_ids[1])
            # The sealer resumed by itself: the new access is chained without a restart.
            await _eventually(sealed, "the sealer resumed and sealed the new registration")
        connection = await asyncpg.connect(registry_database_url)
        try:
            operations = [row["operation"] for row in await connection.fetch("SELECT operation FROM audit_log")]
        finally:
            await connection.close()
        assert len(operations) >= 2
    finally:
        stray_key.unlink(missing_ok=True)
        await registry.stop()


@pytest.fixture
async def reconciling_registry(
    registry_database_url: str, keys_dir: Path, tmp_path: Path
) -> AsyncIterator[RunningRegistry]:
    running = await run_registry(
        registry_database_url,
        keys_dir,
        erasure_ledger_path=tmp_path / "erasure-ledger.jsonl",
        erasure_ledger_reconcile_interval_seconds=0.2,
        **CHEAP_PINS,
    )
    yield running
    await running.stop()


async def test_the_erasure_ledger_file_and_table_are_reconciled_both_ways(
    reconciling_registry: RunningRegistry,
    registry_database_url: str,
    keys_dir: Path,
    tmp_path: Path,
    national_ids: list[str],
) -> None:
    ledger_path = tmp_path / "erasure-ledger.jsonl"
    async with registry_client(reconciling_registry, keys_dir, "asker", retries=0) as client:
        lost_append = await _register(client, national_ids[0])
        restored = await _register(client, national_ids[1])
    core = reconciling_registry.runner.app[app_keys.CORE]
    # An erasure that committed while its append to the file was lost (a crash between the two).
    without_file = dataclasses.replace(core, ledger_file=None)
    await without_file.in_transaction(
        lambda connection: erase_patron(
            without_file, connection, Caller(actor="admin:test"), lost_append, reason="deletion", change="deleted"
        )
    )
    # A patron the file says was erased, back in a database restored from an older backup.
    await ErasureLedgerFile(ledger_path).append(restored, "deletion", dt.datetime.now(dt.UTC))

    def file_ids() -> set[str]:
        return {json.loads(line)["patron_id"] for line in ledger_path.read_text().splitlines() if line.strip()}

    async def reconciled() -> bool:
        connection = await asyncpg.connect(registry_database_url)
        try:
            present = await connection.fetchval("SELECT count(*) FROM patrons WHERE patron_id = $1", restored)
            ledgered = await connection.fetchval("SELECT count(*) FROM erasure_ledger WHERE patron_id = $1", restored)
        finally:
            await connection.close()
        return str(lost_append) in file_ids() and present == 0 and ledgered == 1

    await _eventually(reconciled, "both erasures are in the file and the table, and the patron is erased again")


def test_sealer_backoff_grows_to_a_ceiling_and_resets() -> None:
    pauses = [backoff_seconds(failures) for failures in range(40)]
    assert pauses[0] == SEAL_INTERVAL_SECONDS
    assert pauses == sorted(pauses)
    assert max(pauses) == MAX_BACKOFF_SECONDS
    assert backoff_seconds(0) == SEAL_INTERVAL_SECONDS
