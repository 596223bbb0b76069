"""A real headless Chromium (Debian's package) driven by Playwright, and a registry with patrons to look at."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from registry.app import RunningRegistry
from registry_contract.client import card_and_pin
from registry_contract.models import PatronRecord, PostalAddress, RegisterPatron
from registry_contract.national_id import generate_synthetic_national_ids
from tests.servers import registry_client, run_registry

PIN = "4821"


@dataclass(frozen=True)
class RegisteredPatron:
    record: PatronRecord
    national_id: str


@pytest.fixture
async def registry(registry_database_url: str, keys_dir: Path) -> AsyncIterator[RunningRegistry]:
    running = await run_registry(
        registry_database_url, keys_dir, pin_hash_time_cost=1, pin_hash_memory_kib=1024,
        operator_name="Nasjonalbiblioteket (test)",
    )  # fmt: skip
    yield running
    await running.stop()


@pytest.fixture
async def patron(registry: RunningRegistry, keys_dir: Path) -> RegisteredPatron:
    """Registered at Asker, then looked up and linked at Sandnes: two libraries and several accesses."""
    national_id = next(generate_synthetic_national_ids(1, seed=uuid.uuid4().int % 10_000))
    async with (
        registry_client(registry, keys_dir, "asker") as asker,
        registry_client(registry, keys_dir, "sandnes") as sandnes,
    ):
        record = await asker.register_patron(
            RegisterPatron(
                national_id=national_id, name="Ingrid Innsyn", pin=PIN, email="ingrid@example.org",
                addresses=[PostalAddress(lines=["Kirkeveien 3"], postal_code="1384", city="Asker")],
                phone_numbers=["+47 41234567"], preferred_contact="sms",
            ),
            idempotency_key=str(uuid.uuid4()),
        )  # fmt: skip
        found = await sandnes.lookup_by_card(record.card_number, purpose="patron at the Sandnes desk")
        # The patron is present at the Sandnes desk (issue 9: a link needs the card and PIN).
        linked = await sandnes.link(found.patron_id, card_and_pin(record.card_number, PIN))
    return RegisteredPatron(record=linked, national_id=national_id)
