"""The population register end to end: the stand-in register, the registry following it, and two nodes.

A move in the register reaches both linked libraries through the change feed (and a library can then no
longer overwrite that address); a death becomes a death notice waiting for an administrator.
"""

from __future__ import annotations

from pathlib import Path

from natreg.population_standin import RunningStandIn
from plumbing.keys.layout import KeyLayout
from registry import app_keys
from registry.app import RunningRegistry
from registry.erasure.admin import administrator, list_requests
from registry.population.client import population_register_client
from registry.population.follower import follow_once
from tests.national.conftest import NodeFactory
from tests.national.test_national_flows import PIN, _adult_registration
from tests.registry.population_fixtures import address, register_person, settings_for

WAIT = "wait_for_administrator"


async def test_a_move_in_the_register_shows_at_both_libraries_and_a_death_waits_for_an_administrator(
    registry: RunningRegistry, start_node: NodeFactory, standin: RunningStandIn, keys_dir: Path
) -> None:
    asker = await start_node("asker", registry.api_url)
    sandnes = await start_node("sandnes", registry.api_url)
    body, registered = await _adult_registration(asker, seed=41)
    card = registered["patron"]["card_number"]
    linked = await sandnes.ok("POST", "/api/staff/national-patrons/link", {"card_number": card, "pin": PIN})
    core = registry.runner.app[app_keys.CORE]
    client = population_register_client(settings_for(standin), KeyLayout(keys_dir))
    try:
        standin.state.add_person(
            register_person(body["national_id"], "Nora", "Nasjonal", address=address("Fjordveien 5"))
        )
        await follow_once(core, client, death_action=WAIT)

        for node in (asker, sandnes):
            await node.ok("POST", "/api/staff/registry-sync")
            seen = await node.ok("GET", f"/api/staff/cards/{card}")
            assert seen["postal_address"] == "Fjordveien 5, 4306 Sandnes"

        # The registered address is the register's now: a desk cannot replace it.
        correction = {"addresses": [{"lines": ["Hyttestien 3"], "postal_code": "3560", "city": "Hemsedal"}]}
        status, answer = await sandnes.call(
            "PATCH", f"/api/staff/patrons/{linked['patron_id']}/national-contact", correction
        )
        # The node queues the change; the registry refuses it and the desk sees why (the outbox's needs_staff).
        assert status == 200, answer
        assert answer["registry_refusal"]["code"] == "address_from_population_register"

        standin.state.change(body["national_id"], "doedsfall", status="doed")
        await follow_once(core, client, death_action=WAIT)
    finally:
        await client.close()
    pending = await list_requests(core, administrator("test"))
    assert [(summary.request.kind, summary.request.filed_via, summary.card_number) for summary in pending] == [
        ("death_notice", "population_register", card)
    ]
