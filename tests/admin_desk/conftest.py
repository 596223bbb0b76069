"""A registry with its administrators' desk, an administrator's certificate, and a deletion request waiting.

Each test gets its own key folder: tests here add and revoke administrators, which changes the CRL.
"""

from __future__ import annotations

import ssl
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from plumbing.keys.layout import KeyLayout
from plumbing.keys.pki import IssuedAdministrator, add_administrator
from registry.app import RunningRegistry
from registry_contract.client import card_and_pin
from registry_contract.models import PatronRecord, RegisterPatron
from registry_contract.national_id import generate_synthetic_national_ids
from tests.servers import registry_client, run_registry

PIN = "4821"
ADMINISTRATOR = "kari"


@dataclass(frozen=True)
class WaitingRequest:
    request_id: uuid.UUID
    patron: PatronRecord


@pytest.fixture
def administrator(own_keys_dir: Path) -> IssuedAdministrator:
    return add_administrator(own_keys_dir, ADMINISTRATOR)


@pytest.fixture
async def registry(
    registry_database_url: str, own_keys_dir: Path, administrator: IssuedAdministrator
) -> AsyncIterator[RunningRegistry]:
    running = await run_registry(registry_database_url, own_keys_dir, pin_hash_time_cost=1, pin_hash_memory_kib=1024)
    yield running
    await running.stop()


async def file_request(
    registry: RunningRegistry, keys_dir: Path, *, name: str = "Erik Erasmus", kind: str = "deletion"
) -> WaitingRequest:
    """A patron registered at Asker and linked at Sandnes; Sandnes files the request."""
    national_id = next(generate_synthetic_national_ids(1, seed=uuid.uuid4().int % 100_000))
    async with (
        registry_client(registry, keys_dir, "asker") as asker,
        registry_client(registry, keys_dir, "sandnes") as sandnes,
    ):
        patron = await asker.register_patron(
            RegisterPatron(national_id=national_id, name=name, pin=PIN, email="erik@example.org"),
            idempotency_key=str(uuid.uuid4()),
        )
        await sandnes.link(patron.patron_id, card_and_pin(patron.card_number, PIN))
        receipt = await sandnes.file_erasure_request(patron.patron_id, kind)  # type: ignore[arg-type]
    return WaitingRequest(receipt.request_id, patron)


@pytest.fixture
async def waiting(registry: RunningRegistry, own_keys_dir: Path) -> WaitingRequest:
    return await file_request(registry, own_keys_dir)


def client_context(keys_dir: Path, certificate: Path | None, key: Path | None) -> ssl.SSLContext:
    """A browser-like TLS client trusting the private CA, presenting ``certificate`` if given."""
    context = ssl.create_default_context(cafile=KeyLayout(keys_dir).ca_certificate)
    if certificate is not None and key is not None:
        context.load_cert_chain(certificate, key)
    return context


def admin_session(keys_dir: Path, name: str = ADMINISTRATOR) -> aiohttp.ClientSession:
    layout = KeyLayout(keys_dir)
    context = client_context(keys_dir, layout.administrator_certificate(name), layout.administrator_key(name))
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context))


def library_session(keys_dir: Path, library_id: str) -> aiohttp.ClientSession:
    layout = KeyLayout(keys_dir)
    certificate, key = layout.library_client_certificate(library_id), layout.library_client_key(library_id)
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=client_context(keys_dir, certificate, key)))
