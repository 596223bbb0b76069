"""Fixtures for the registry's node API: a real registry over mutual TLS, clients per library, and factories.

Argon2 runs with cheap parameters here: the tests check the PIN rules, not the hash cost.
"""

from __future__ import annotations

import base64
import itertools
import json as jsonlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import aiohttp
import asyncpg
import pytest
from multidict import CIMultiDictProxy

from plumbing.keys.layout import KeyLayout
from plumbing.tls import library_client_context
from registry.app import RunningRegistry
from registry.crypto.keyring import KeyRing
from registry_contract.client import RegistryClient, RegistryError
from registry_contract.models import PatronRecord, PostalAddress, RegisterPatron
from registry_contract.national_id import generate_synthetic_national_ids
from tests.servers import registry_client, run_registry

CHEAP_PINS: dict[str, object] = {"pin_hash_time_cost": 1, "pin_hash_memory_kib": 1024}
GOOD_PIN = "4821"
OTHER_PIN = "7394"
WRONG_PIN = "5062"


@pytest.fixture
async def registry(registry_database_url: str, keys_dir: Path) -> AsyncIterator[RunningRegistry]:
    running = await run_registry(registry_database_url, keys_dir, **CHEAP_PINS)
    yield running
    await running.stop()


async def _client(registry: RunningRegistry, keys_dir: Path, library_id: str) -> AsyncIterator[RegistryClient]:
    # No retries: a test must see the first answer, not a retried one.
    async with registry_client(registry, keys_dir, library_id, retries=0) as client:
        yield client


@pytest.fixture
async def asker(registry: RunningRegistry, keys_dir: Path) -> AsyncIterator[RegistryClient]:
    async for client in _client(registry, keys_dir, "asker"):
        yield client


@pytest.fixture
async def sandnes(registry: RunningRegistry, keys_dir: Path) -> AsyncIterator[RegistryClient]:
    async for client in _client(registry, keys_dir, "sandnes"):
        yield client


@pytest.fixture
async def oslo(registry: RunningRegistry, keys_dir: Path) -> AsyncIterator[RegistryClient]:
    async for client in _client(registry, keys_dir, "oslo"):
        yield client


@dataclass(frozen=True)
class Answer:
    """A raw HTTP answer, for the checks the typed client hides (status, headers, exact body)."""

    status: int
    headers: CIMultiDictProxy[str]
    text: str

    @property
    def json(self) -> Any:
        return jsonlib.loads(self.text) if self.text else None

    @property
    def code(self) -> str | None:
        body = self.json
        return body.get("code") if isinstance(body, dict) else None


class RawApi:
    """Plain aiohttp over the same mutual TLS and credentials as the typed client, one session per library."""

    def __init__(self, registry: RunningRegistry, keys_dir: Path) -> None:
        self._registry = registry
        self._layout = KeyLayout(keys_dir)
        self._sessions: dict[str, aiohttp.ClientSession] = {}

    def _session(self, library_id: str) -> aiohttp.ClientSession:
        if library_id not in self._sessions:
            credential = self._layout.library_credential(library_id).read_text().strip()
            self._sessions[library_id] = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(ssl=library_client_context(self._layout, library_id)),
                headers={"Authorization": "Basic " + base64.b64encode(f"{library_id}:{credential}".encode()).decode()},
            )
        return self._sessions[library_id]

    async def call(
        self,
        library_id: str,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: bytes | str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        async with self._session(library_id).request(
            method, self._registry.api_url + path, json=json, data=data, headers=headers
        ) as response:
            return Answer(response.status, response.headers, await response.text())

    async def close(self) -> None:
        for session in self._sessions.values():
            await session.close()


@pytest.fixture
async def raw(registry: RunningRegistry, keys_dir: Path) -> AsyncIterator[RawApi]:
    api = RawApi(registry, keys_dir)
    yield api
    await api.close()


@pytest.fixture
async def db(registry: RunningRegistry, registry_database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A direct connection (as the superuser) to the database the running registry uses."""
    connection = await asyncpg.connect(registry_database_url)
    yield connection
    await connection.close()


@pytest.fixture(scope="session")
def keyring(keys_dir: Path) -> KeyRing:
    return KeyRing.load(KeyLayout(keys_dir).registry_data_dir)


@dataclass(frozen=True)
class Registered:
    record: PatronRecord
    national_id: str
    request: RegisterPatron


class Register(Protocol):
    def __call__(self, client: RegistryClient, **overrides: Any) -> Awaitable[Registered]: ...


@pytest.fixture
def national_ids() -> Iterator[str]:
    """Distinct synthetic national IDs (month + 80), never a real person's number."""
    return generate_synthetic_national_ids(200, seed=uuid.uuid4().int % 1_000_000)


def patron_body(national_id: str, number: int, **overrides: Any) -> RegisterPatron:
    fields: dict[str, Any] = {
        "national_id": national_id,
        "pin": GOOD_PIN,
        "name": f"Testperson Nummer{number} Fjellheim",
        "addresses": [PostalAddress(lines=[f"Granittveien {number + 11} B"], postal_code="1384", city="Asker")],
        "phone_numbers": [f"+47 9{number:07d}"],
        "email": f"patron{number}.fjellheim@example.org",
        "preferred_contact": "email",
    }
    fields.update(overrides)
    return RegisterPatron(**fields)


@pytest.fixture
def register(national_ids: Iterator[str]) -> Register:
    """Register a patron through the API; keyword arguments override fields of the request body."""
    numbers = itertools.count(1)

    async def factory(client: RegistryClient, **overrides: Any) -> Registered:
        number = next(numbers)
        national_id = overrides.pop("national_id", None) or next(national_ids)
        body = patron_body(national_id, number, **overrides)
        record = await client.request(
            "POST", "/v1/patrons", PatronRecord, body=body, idempotency_key=f"register-{uuid.uuid4()}"
        )
        return Registered(record, national_id, body)

    return factory


async def refusal(call: Awaitable[object]) -> tuple[int, str]:
    """The (status, problem code) of a call that must be refused."""
    with pytest.raises(RegistryError) as refused:
        await call
    return refused.value.status, refused.value.code


# The stand-in population register and the registry's client of it (tests/registry/test_population_*.py).
from tests.registry.population_fixtures import core, population_register, standin  # noqa: E402, F401
