"""National IDs issued under the 2032 rules at the registry: accepted, with birth date and gender from the desk
(or refused without them), and corrected from the population register."""

from __future__ import annotations

import datetime as dt
import uuid

from natreg.population_standin import RunningStandIn
from registry.patrons.core import RegistryCore
from registry.population.client import PopulationRegisterClient
from registry.population.follower import follow_once
from registry_contract.client import RegistryClient
from registry_contract.national_id import parse_national_id
from tests.registry.conftest import Register, refusal
from tests.registry.population_fixtures import register_person

WEIGHTS_K1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
WEIGHTS_K2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def synthetic_2032_number(seed: int) -> str:
    """A synthetic (month + 80) number whose first check digit leaves a remainder of 1-3: 2032 rules only."""
    for attempt in range(seed, seed + 10_000):
        first_nine = f"1585{attempt % 100:02d}{attempt % 1000:03d}"
        for remainder in (1, 2, 3):
            first = (-sum(w * int(d) for w, d in zip(WEIGHTS_K1, first_nine, strict=True)) + remainder) % 11
            if first == 10:
                continue
            second = -sum(w * int(d) for w, d in zip(WEIGHTS_K2, f"{first_nine}{first}", strict=True)) % 11
            if second != 10:
                return f"{first_nine}{first}{second}"
    raise AssertionError("no number found")


async def test_a_2032_number_needs_birth_date_and_gender_from_the_desk(
    register: Register, asker: RegistryClient
) -> None:
    number = synthetic_2032_number(uuid.uuid4().int % 1000)
    assert parse_national_id(number, allow_synthetic=True).birth_date is None

    assert await refusal(register(asker, national_id=number)) == (422, "birth_date_and_gender_required")

    patron = await register(asker, national_id=number, birth_date=dt.date(2020, 3, 15), gender="female")
    assert (patron.record.birth_date, patron.record.gender) == (dt.date(2020, 3, 15), "female")


async def test_the_register_corrects_birth_date_and_gender_given_at_the_desk(
    core: RegistryCore, population_register: PopulationRegisterClient, standin: RunningStandIn,
    register: Register, asker: RegistryClient,
) -> None:  # fmt: skip
    number = synthetic_2032_number(uuid.uuid4().int % 1000)
    patron = await register(asker, national_id=number, birth_date=dt.date(2020, 3, 15), gender="female")
    person = register_person(number, "Ola", "Nordmann", gender="mann").model_copy(
        update={"foedselsdato": dt.date(2020, 5, 15)}
    )
    standin.state.add_person(person)

    await follow_once(core, population_register, death_action="wait_for_administrator")

    record = await asker.get_patron(patron.record.patron_id)
    assert (record.birth_date, record.gender, record.name) == (dt.date(2020, 5, 15), "male", "Ola Nordmann")
