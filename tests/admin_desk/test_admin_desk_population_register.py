"""A death reported by the population register waits on the administrators' desk, filed by "the register"."""

from __future__ import annotations

import html
import uuid
from pathlib import Path

from natreg.population_standin import PopulationStandIn, start_standin, trusted_certificate_der
from plumbing.keys.layout import KeyLayout
from registry import app_keys
from registry.app import RunningRegistry
from registry.population.client import population_register_client
from registry.population.follower import follow_once
from registry_contract.models import RegisterPatron
from registry_contract.national_id import generate_synthetic_national_ids
from tests.admin_desk.conftest import PIN, admin_session
from tests.registry.population_fixtures import register_person, settings_for
from tests.servers import registry_client


async def test_a_death_from_the_register_is_listed_as_filed_by_the_population_register(
    registry: RunningRegistry, own_keys_dir: Path
) -> None:
    layout = KeyLayout(own_keys_dir)
    standin = await start_standin(PopulationStandIn(trusted_certificate_der(layout.registry_business_certificate)))
    client = population_register_client(settings_for(standin), layout)
    national_id = next(generate_synthetic_national_ids(1, seed=uuid.uuid4().int % 100_000))
    try:
        async with registry_client(registry, own_keys_dir, "asker") as asker:
            patron = await asker.register_patron(
                RegisterPatron(national_id=national_id, name="Dag Dødsfall", pin=PIN, email="dag@example.org"),
                idempotency_key=str(uuid.uuid4()),
            )
        standin.state.add_person(register_person(national_id, "Dag", "Dødsfall", gender="mann"))
        standin.state.change(national_id, "doedsfall", status="doed")
        await follow_once(registry.runner.app[app_keys.CORE], client, death_action="wait_for_administrator")
    finally:
        await client.close()
        await standin.stop()

    for language, filed_by in (("nb", "Folkeregisteret"), ("en", "the population register")):
        async with (
            admin_session(own_keys_dir) as session,
            session.get(f"{registry.admin_url}/requests?lang={language}") as response,
        ):
            page = html.unescape(await response.text())
        assert response.status == 200
        assert patron.card_number in page
        assert filed_by in page
