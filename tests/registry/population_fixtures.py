"""Fixtures for the population register tests: the stand-in register (port 0), the registry's client of it,
and people as the register knows them. Imported by the test modules that use them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from natreg.population_standin import PopulationStandIn, RunningStandIn, start_standin, trusted_certificate_der
from plumbing.keys.layout import KeyLayout
from registry import app_keys
from registry.app import RunningRegistry
from registry.patrons.core import RegistryCore
from registry.population.client import PopulationRegisterClient, population_register_client
from registry.population.settings import PopulationRegisterSettings
from registry.population.wire import RegisteredAddress, RegisterPerson


@pytest.fixture
async def standin(keys_dir: Path) -> AsyncIterator[RunningStandIn]:
    state = PopulationStandIn(trusted_certificate_der(KeyLayout(keys_dir).registry_business_certificate))
    running = await start_standin(state)
    yield running
    await running.stop()


def settings_for(standin: RunningStandIn, **overrides: object) -> PopulationRegisterSettings:
    options: dict[str, object] = {
        "api_url": standin.api_url, "token_url": standin.token_url, "timeout_seconds": 2, "poll_interval_seconds": 0.2,
    }  # fmt: skip
    return PopulationRegisterSettings.model_validate(options | overrides)


@pytest.fixture
async def population_register(standin: RunningStandIn, keys_dir: Path) -> AsyncIterator[PopulationRegisterClient]:
    client = population_register_client(settings_for(standin), KeyLayout(keys_dir))
    yield client
    await client.close()


@pytest.fixture
def core(registry: RunningRegistry) -> RegistryCore:
    """The running registry's own core: its pool and key ring."""
    return registry.runner.app[app_keys.CORE]


def register_person(
    national_id: str, first: str = "Kari", last: str = "Nordmann", *, address: RegisteredAddress | None = None,
    gender: str = "kvinne",
) -> RegisterPerson:  # fmt: skip
    return RegisterPerson.model_validate(
        {
            "folkeregisteridentifikator": national_id, "status": "bosatt", "fornavn": first, "etternavn": last,
            "kjoenn": gender, "bostedsadresse": None if address is None else address.model_dump(),
        }
    )  # fmt: skip


def address(line: str, postal_code: str = "4306", city: str = "Sandnes") -> RegisteredAddress:
    return RegisteredAddress(adresselinjer=[line], postnummer=postal_code, poststed=city)
