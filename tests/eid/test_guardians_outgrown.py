"""A guardian's name and contact are removed by the daily run on the day the child reaches the age limit."""

from __future__ import annotations

from datetime import date

import asyncpg

from local_library.clock import FixedClock
from local_library.daily.run import run_daily
from local_library.notices.senders import OutgoingNotice
from local_library.patrons.guardians import born_on_or_before_for_age
from local_library.patrons.models import Guardian
from local_library.policy import LibraryPolicy
from registry_contract.pins import PinHasher
from tests.library.conftest import FIRST_DAY, add_patron, asker_policy, clock, conn, hasher, pool

__all__ = ["asker_policy", "clock", "conn", "hasher", "pool"]


class SilentSender:
    """No loans here, so no notices: a sender that keeps whatever it is given."""

    def __init__(self) -> None:
        self.sent: list[OutgoingNotice] = []

    async def send(self, notice: OutgoingNotice) -> None:
        self.sent.append(notice)


async def _guardians(pool: asyncpg.Pool) -> dict[str, str | None]:
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT name, guardian_name FROM patrons")
    return {row["name"]: row["guardian_name"] for row in rows}


async def test_the_daily_run_removes_a_guardian_when_the_child_comes_of_age(
    pool: asyncpg.Pool, asker_policy: LibraryPolicy, clock: FixedClock, hasher: PinHasher
) -> None:
    limit = asker_policy.cards.guardian_liable_under  # 18 at Asker
    today = FIRST_DAY.date()
    tomorrow_birthday = date(today.year - limit, today.month, today.day + 1)
    guardian = Guardian(name="Kari Nordmann", contact="kari@example.org")
    async with pool.acquire() as conn:
        await add_patron(conn, asker_policy, clock, hasher, name="Ola", birth_date=tomorrow_birthday, guardian=guardian)
        await add_patron(
            conn, asker_policy, clock, hasher, name="Lille", birth_date=date(2020, 1, 1), guardian=guardian
        )
    sender = SilentSender()
    report = await run_daily(pool, asker_policy, clock, sender)
    assert report.guardians_removed == 0
    assert await _guardians(pool) == {"Ola": "Kari Nordmann", "Lille": "Kari Nordmann"}

    clock.advance(days=1)  # Ola turns 18
    report = await run_daily(pool, asker_policy, clock, sender)
    assert report.guardians_removed == 1
    assert await _guardians(pool) == {"Ola": None, "Lille": "Kari Nordmann"}
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT guardian_contact FROM patrons WHERE name = 'Ola'") is None


def test_a_leap_day_birthday_counts_from_the_first_of_march() -> None:
    assert born_on_or_before_for_age(date(2026, 2, 28), 18) == date(2008, 2, 28)  # 29 Feb 2008 not yet 18
    assert born_on_or_before_for_age(date(2028, 2, 29), 18) == date(2010, 2, 28)
