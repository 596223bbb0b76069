"""The node's timer and the command-line entry point of the daily run."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime
from pathlib import Path

import asyncpg

from local_library.circulation.lending import check_out
from local_library.clock import FixedClock
from local_library.daily import run_daily_for_settings, run_scheduler
from local_library.daily.scheduler import seconds_until_next_run
from local_library.policy import LibraryPolicy
from local_library.settings import LibrarySettings
from registry_contract.pins import PinHasher
from tests.library.conftest import OSLO, add_item, add_patron
from tests.library.test_circulation import card
from tests.library.test_daily import RecordingSender


def test_the_next_run_is_shortly_after_midnight_even_across_a_clock_change() -> None:
    assert seconds_until_next_run(datetime(2025, 3, 3, 23, 0, tzinfo=OSLO)) == 65 * 60
    # Summer time begins at 02:00 on 30 March 2025: that day is an hour shorter.
    assert seconds_until_next_run(datetime(2025, 3, 30, 1, 0, tzinfo=OSLO)) == (22 * 60 + 5) * 60


async def test_the_scheduler_runs_the_day_and_then_delivers_new_notices(
    pool: asyncpg.Pool, asker_policy: LibraryPolicy, clock: FixedClock, hasher: PinHasher
) -> None:
    sender = RecordingSender()
    task = asyncio.create_task(run_scheduler(pool, asker_policy, clock, sender, delivery_interval_seconds=0.01))
    try:
        await asyncio.sleep(0.1)
        assert await pool.fetchval("SELECT count(*) FROM daily_runs") == 1
        async with pool.acquire() as conn:
            patron = await add_patron(conn, asker_policy, clock, hasher)
            await check_out(conn, asker_policy, clock, card(patron), (await add_item(conn, "book")).barcode)
        for _ in range(100):
            if sender.sent:
                break
            await asyncio.sleep(0.01)
        assert [notice.kind for notice in sender.sent] == ["receipt"]
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_run_daily_for_settings_uses_the_node_database_and_log(
    library_database_url: str, keys_dir: Path, tmp_path: Path
) -> None:
    settings = LibrarySettings(
        library_id="sandnes",
        database_url=library_database_url,
        keys_dir=keys_dir,
        data_dir=tmp_path,
        local_pin_pepper_path=tmp_path / "pepper.key",
    )
    report = await run_daily_for_settings(settings)
    assert (report.reminders, report.problems) == (0, [])
    connection = await asyncpg.connect(library_database_url)
    try:
        assert await connection.fetchval("SELECT run_date FROM daily_runs") == report.run_date
    finally:
        await connection.close()
