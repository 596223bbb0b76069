"""A replayed registration (same Idempotency-Key, same body) is answered before any Argon2 work or audit entry."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import asyncpg
import pytest

from registry.app import RunningRegistry
from registry.app_keys import CORE
from registry_contract.client import RegistryClient
from tests.registry.conftest import patron_body

AUDITED_REGISTRATIONS = (
    "SELECT (SELECT count(*) FROM audit_pending WHERE operation = 'register')"
    " + (SELECT count(*) FROM audit_log WHERE operation = 'register')"
)


async def test_a_replay_does_no_argon2_work_and_writes_nothing(
    registry: RunningRegistry,
    asker: RegistryClient,
    national_ids: Iterator[str],
    db: asyncpg.Connection,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hasher = registry.runner.app[CORE].pin_hasher
    hashed: list[str] = []
    real_hash_pin = hasher.hash_pin

    async def counting_hash_pin(pin: str) -> str:
        hashed.append(pin)
        return await real_hash_pin(pin)

    monkeypatch.setattr(hasher, "hash_pin", counting_hash_pin)
    body = patron_body(next(national_ids), 1)
    key = f"register-{uuid.uuid4()}"
    first = await asker.register_patron(body, idempotency_key=key)
    for _ in range(3):
        again = await asker.register_patron(body, idempotency_key=key)
        assert again.patron_id == first.patron_id
    assert len(hashed) == 1
    assert await db.fetchval("SELECT count(*) FROM patrons") == 1
    assert await db.fetchval(AUDITED_REGISTRATIONS) == 1
