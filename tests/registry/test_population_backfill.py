"""The backfill: every patron checked against the register's bulk lookup, in batches, resumable, paced."""

from __future__ import annotations

import asyncpg
import pytest

from natreg.population_standin import RunningStandIn
from registry.patrons.core import RegistryCore
from registry.population.backfill import BackfillStep, backfill
from registry.population.client import PopulationRegisterClient
from registry_contract.client import RegistryClient
from tests.registry.conftest import Register
from tests.registry.population_fixtures import address, register_person, settings_for


class BackfillStoppedError(Exception):
    """The backfill's process stopped (killed, Ctrl-C) after a batch."""


async def test_a_stopped_backfill_resumes_after_the_last_batch_and_applies_each_patron_once(
    core: RegistryCore, population_register: PopulationRegisterClient, standin: RunningStandIn,
    register: Register, asker: RegistryClient, db: asyncpg.Connection,
) -> None:  # fmt: skip
    patrons = [await register(asker) for _ in range(5)]
    for number, patron in enumerate(patrons[:4]):  # the register knows four of them
        standin.state.add_person(register_person(patron.national_id, address=address(f"Backfillveien {number + 1}")))
    settings = settings_for(standin, backfill_calls_per_second=1000)
    waits: list[float] = []

    async def no_sleep(seconds: float) -> None:
        waits.append(seconds)

    steps: list[BackfillStep] = []

    def stop_after_first(step: BackfillStep) -> None:
        steps.append(step)
        raise BackfillStoppedError

    with pytest.raises(BackfillStoppedError):
        await backfill(core, population_register, settings, batch_size=2, progress=stop_after_first, sleep=no_sleep)
    assert (steps[0].checked, steps[0].total, steps[0].finished) == (2, 5, False)

    final = await backfill(core, population_register, settings, batch_size=2, progress=steps.append, sleep=no_sleep)

    assert [step.checked for step in steps] == [2, 4, 5]
    assert (final.checked, final.finished) == (5, True)
    assert sum(step.updated for step in steps) == 4
    told = await db.fetch("SELECT patron_id FROM change_feed WHERE change = 'updated'")
    assert sorted(row["patron_id"] for row in told) == sorted(patron.record.patron_id for patron in patrons[:4])
    # The feed was not touched, and people were asked for in batches of at most two.
    assert standin.state.calls_to("/api/v1/hendelser/feed") == []
    assert len(standin.state.calls_to("/api/v1/personer/bulkoppslag")) == 3

    again = await backfill(core, population_register, settings, progress=steps.append, sleep=no_sleep)
    assert again.finished  # a finished backfill stays finished until --restart
    assert len(standin.state.calls_to("/api/v1/personer/bulkoppslag")) == 3
    restarted = await backfill(core, population_register, settings, restart=True, sleep=no_sleep)
    assert (restarted.checked, restarted.updated) == (5, 0)  # the same answers change nothing the second time


async def test_the_backfill_keeps_to_its_rate(
    core: RegistryCore, population_register: PopulationRegisterClient, standin: RunningStandIn,
    register: Register, asker: RegistryClient,
) -> None:  # fmt: skip
    for _ in range(3):
        await register(asker)
    waits: list[float] = []

    async def no_sleep(seconds: float) -> None:
        waits.append(seconds)

    await backfill(
        core, population_register, settings_for(standin, backfill_calls_per_second=0.5), batch_size=1, sleep=no_sleep
    )

    # Four batches (the last one empty) at most one every two seconds: a wait before each but the first.
    assert len(waits) == 3
    assert all(0 < wait <= 2 for wait in waits)
