"""The node's own timer: notices delivered every minute, the daily run once a day shortly after midnight.

The daily run also happens at start-up, so a node that was down at midnight catches up; running it twice on
a day is harmless (see ``run``).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, time, timedelta

import asyncpg

from local_library.clock import Clock
from local_library.notices.outbox import deliver_pending_notices
from local_library.notices.senders import NoticeSender
from local_library.policy import LibraryPolicy

from .run import run_daily

logger = logging.getLogger(__name__)

DAILY_RUN_AT = time(0, 5)


def seconds_until_next_run(now: datetime) -> float:
    """Until ``DAILY_RUN_AT`` tomorrow in ``now``'s time zone (a day may be 23 or 25 hours long)."""
    tomorrow = datetime.combine(now.date() + timedelta(days=1), DAILY_RUN_AT, tzinfo=now.tzinfo)
    # In UTC: Python subtracts two datetimes of one time zone by wall clock, ignoring a change of offset.
    return max((tomorrow.astimezone(UTC) - now.astimezone(UTC)).total_seconds(), 1.0)


async def run_scheduler(
    pool: asyncpg.Pool,
    policy: LibraryPolicy,
    clock: Clock,
    sender: NoticeSender,
    *,
    delivery_interval_seconds: float = 60.0,
) -> None:
    """Run until cancelled; errors are logged and retried on the next tick, never end the loop."""
    next_daily = clock.now()
    while True:
        try:
            if clock.now() >= next_daily:
                await run_daily(pool, policy, clock, sender)
                next_daily = clock.now() + timedelta(seconds=seconds_until_next_run(clock.now()))
            else:
                await deliver_pending_notices(pool, sender, clock)
        except Exception:  # the node must keep lending if one run fails; the log shows why
            logger.exception("scheduled circulation work failed; retrying on the next tick")
        await asyncio.sleep(delivery_interval_seconds)
