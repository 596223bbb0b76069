"""A crash after the registry applied a write but before the node recorded it: redelivery applies it once."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from pathlib import Path

import asyncpg
import pytest

from local_library.registry_link.national import deliver_opt_out, deliver_registration
from local_library.registry_link.outbox import OutboxCipher, OutboxEntry
from registry.app import RunningRegistry
from registry_contract.models import RegisterPatron
from registry_contract.national_id import generate_synthetic_national_id
from tests.servers import registry_client


def _entry(operation: str, payload: dict[str, object]) -> OutboxEntry:
    return OutboxEntry(
        outbox_id=1, idempotency_key=uuid.uuid4(), operation=operation, patron_id=uuid.uuid4(), payload=payload,
        attempts=0,
    )  # fmt: skip


async def test_redelivered_registration_and_opt_out_apply_once(
    registry: RunningRegistry, keys_dir: Path, registry_database_url: str
) -> None:
    national_id = generate_synthetic_national_id(random.Random(5), birth_date=dt.date(1970, 6, 1))
    registration = RegisterPatron(national_id=national_id, pin="4821", name="Once Only", email="o@example.org")
    entry = _entry("register", registration.model_dump(mode="json"))
    async with registry_client(registry, keys_dir, "asker") as asker:
        first = await deliver_registration(asker, entry)
        second = await deliver_registration(asker, entry)  # the node crashed before marking it delivered
        assert first is not second
        record = await asker.lookup_by_national_id(national_id)
        connection = await asyncpg.connect(registry_database_url)
        try:
            assert await connection.fetchval("SELECT count(*) FROM patrons") == 1
            # The patron's card and PIN travel in the (encrypted) payload: an opt-out needs them (issue 9).
            proof = {"card_number": record.card_number, "pin": "4821"}
            opt_out = _entry("opt_out", {"registry_patron_id": str(record.patron_id), **proof})
            await deliver_opt_out(asker, opt_out)
            await deliver_opt_out(asker, opt_out)  # again after a crash: already gone, nothing more to do
            assert await connection.fetchval("SELECT count(*) FROM patrons") == 0
            assert await connection.fetchval("SELECT count(*) FROM erasure_ledger") == 1
        finally:
            await connection.close()


def test_outbox_payloads_are_bound_to_their_entry() -> None:
    cipher = OutboxCipher(b"k" * 32)
    key = uuid.uuid4()
    sealed = cipher.seal(key, {"national_id": "secret digits"})
    assert b"secret digits" not in sealed
    assert cipher.open(key, sealed) == {"national_id": "secret digits"}
    with pytest.raises(ValueError, match="does not decrypt"):
        cipher.open(uuid.uuid4(), sealed)
