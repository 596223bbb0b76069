"""The stand-in register's own form, as the demo's user drives it (no JavaScript: plain form posts)."""

from __future__ import annotations

import random

import aiohttp

from natreg.population_standin import RunningStandIn
from registry_contract.national_id import generate_synthetic_national_id


async def test_the_form_records_a_person_a_move_and_a_death(standin: RunningStandIn) -> None:
    number = generate_synthetic_national_id(random.Random(16))
    async with aiohttp.ClientSession() as session:
        async with session.get(standin.url + "/") as page:
            assert page.status == 200
            assert '<form method="post" action="/admin/events">' in await page.text()
        moves = [
            {"national_id": number, "kind": "person", "first_name": "Nora", "last_name": "Nasjonal"},
            {
                "national_id": number, "kind": "move", "address_line": "Fjordveien 5", "postal_code": "4306",
                "city": "Sandnes",
            },
            {"national_id": number, "kind": "death"},
        ]  # fmt: skip
        for number_of_events, form in enumerate(moves, start=1):
            async with session.post(standin.url + "/admin/events", data=form) as answer:
                assert answer.status == 200
                assert f"Recorded as event {number_of_events}." in await answer.text()
        async with session.post(standin.url + "/admin/events", data={"national_id": number, "kind": "move"}) as bad:
            assert bad.status == 422
            assert "a move needs the address line, postal code and city" in await bad.text()

    person = standin.state.people[number]
    assert (person.status, person.bostedsadresse and person.bostedsadresse.adresselinjer) == ("doed", ["Fjordveien 5"])
    assert [event["hendelse"]["hendelsetype"] for event in standin.state.events] == [
        "opprettet",
        "flytting",
        "doedsfall",
    ]
